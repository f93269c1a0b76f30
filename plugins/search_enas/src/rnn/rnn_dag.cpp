#include "rnn/rnn_dag.hpp"

#include <algorithm>

#include "nashost/error.hpp"

namespace nas::enas {

bool is_removed(const DagNode& node) { return node.activation == kRemoved; }

std::vector<int> children_of(const Dag& dag, int node) {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(dag.size()); ++i)
    if (!is_removed(dag[i]) && dag[i].parent == node) out.push_back(i);
  return out;
}

std::vector<int> leaves(const Dag& dag) {
  std::vector<bool> has_child(dag.size(), false);
  for (const auto& n : dag)
    if (!is_removed(n) && n.parent >= 0) has_child[n.parent] = true;
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(dag.size()); ++i)
    if (!is_removed(dag[i]) && !has_child[i]) out.push_back(i);
  return out;
}

int live_count(const Dag& dag) {
  return static_cast<int>(std::count_if(dag.begin(), dag.end(), [](const DagNode& n) { return !is_removed(n); }));
}

void validate_dag(const Dag& dag, const std::vector<std::string>& activations, const std::string& where) {
  auto bad = [&](const std::string& what) { throw Error(where + ": invalid ENAS DAG: " + what); };
  if (dag.empty()) bad("it has no nodes");
  if (is_removed(dag.front()) || dag.front().parent != -1) bad("node 0 must be live with parent -1");
  if (is_removed(dag.back())) bad("the last node (the next hidden state) cannot be removed");
  for (int i = 1; i < static_cast<int>(dag.size()); ++i) {
    const auto& n = dag[i];
    if (is_removed(n)) continue;
    if (n.parent < 0 || n.parent >= i) bad("node " + std::to_string(i) + " must have an earlier node as parent");
    if (is_removed(dag[n.parent]))
      bad("node " + std::to_string(i) + " has removed node " + std::to_string(n.parent) + " as parent");
  }
  for (int i = 0; i < static_cast<int>(dag.size()); ++i) {
    if (is_removed(dag[i])) continue;
    if (std::find(activations.begin(), activations.end(), dag[i].activation) == activations.end()) {
      std::string valid;
      for (const auto& a : activations) valid += (valid.empty() ? "" : ", ") + a;
      bad("node " + std::to_string(i) + " has unknown activation '" + dag[i].activation + "' (valid: " + valid +
          ", or '" + kRemoved + "' for a removed node)");
    }
  }
}

std::vector<int> fixed_parents(const std::string& architecture, int num_nodes) {
  std::vector<int> parents(num_nodes, -1);
  for (int k = 1; k < num_nodes; ++k) {
    if (architecture == "chain")
      parents[k] = k - 1;
    else if (architecture == "tree")
      parents[k] = (k - 1) / 2;
    else
      throw ConfigError("architecture: unknown '" + architecture + "'; valid: tree, chain");
  }
  return parents;
}

Dag remove_node(const Dag& dag, int node) {
  const int n = static_cast<int>(dag.size());
  if (node <= 0 || node >= n - 1)
    throw Error("remove_node: node " + std::to_string(node) + " cannot be removed (valid: 1.." + std::to_string(n - 2) +
                "; node 0 and the last node are kept)");
  if (is_removed(dag[node])) throw Error("remove_node: node " + std::to_string(node) + " is already removed");
  Dag out = dag;
  for (int c : children_of(dag, node)) out[c].parent = dag[node].parent;
  out[node].activation = kRemoved;
  return out;
}

Dag replace_activations(const Dag& dag, const std::string& activation) {
  Dag out = dag;
  for (auto& n : out)
    if (!is_removed(n)) n.activation = activation;
  return out;
}

Genotype dag_genotype(const Dag& dag) {
  Genotype g;
  g.space = kRnnSpace;
  g.dag = dag;
  return g;
}

const Dag& genotype_dag(const Genotype& g, const std::string& where) {
  if (g.space != kRnnSpace) throw Error(where + ": genotype space is '" + g.space + "', expected '" + kRnnSpace + "'");
  return g.dag;
}

std::string dag_summary(const Dag& dag) {
  std::string s;
  for (size_t i = 0; i < dag.size(); ++i) {
    if (!s.empty()) s += ' ';
    s += std::to_string(i) + ":" + dag[i].activation + "<" + std::to_string(dag[i].parent);
  }
  return s;
}

}  // namespace nas::enas
