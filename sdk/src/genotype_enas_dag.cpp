#include "nashost/genotype_enas_dag.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "json_index.hpp"
#include "nashost/error.hpp"

namespace nas {

namespace {

constexpr const char* kAvg = "avg";
constexpr const char* kHt = "h[t]";

std::string py_list(const std::vector<std::pair<int, std::string>>& children) {
  std::string s = "[";
  for (size_t i = 0; i < children.size(); ++i)
    s += (i ? ", [" : "[") + std::to_string(children[i].first) + ", " + Json(children[i].second).dump() + "]";
  return s + "]";
}

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error("ENAS dag.json " + where + ": " + what);
}

}  // namespace

std::string to_enas_dag_json(const Genotype& g) {
  if (g.is_cell()) throw Error("the ENAS dag.json format holds RNN cells; genotype space '" + g.space + "' has cells");
  const int n = static_cast<int>(g.dag.size());
  if (n == 0) throw Error("the ENAS dag.json format needs at least one node");
  for (int i = 0; i < n; ++i)
    if (g.dag[i].activation == "none")
      throw Error("node " + std::to_string(i) + " was removed; carpedm20's dag.json cannot express a removed node");
  // carpedm20 controller._construct_dags: -1 and -2 feed node 0, then dag[parent].append in
  // child order (a key appears with its first child), then the leaves (ascending, as a
  // Python set of small ints iterates), then N -> N + 1.
  std::vector<std::pair<std::string, std::vector<std::pair<int, std::string>>>> keys;
  keys.push_back({"-1", {{0, g.dag[0].activation}}});
  keys.push_back({"-2", {{0, g.dag[0].activation}}});
  std::map<int, size_t> slot;
  for (int j = 1; j < n; ++j) {
    const int p = g.dag[j].parent;
    if (!slot.count(p)) {
      slot[p] = keys.size();
      keys.push_back({std::to_string(p), {}});
    }
    keys[slot[p]].second.emplace_back(j, g.dag[j].activation);
  }
  for (int i = 0; i < n; ++i)
    if (!slot.count(i)) keys.push_back({std::to_string(i), {{n, kAvg}}});
  keys.push_back({std::to_string(n), {{n + 1, kHt}}});
  std::string s = "{";
  for (size_t k = 0; k < keys.size(); ++k) s += (k ? ", \"" : "\"") + keys[k].first + "\": " + py_list(keys[k].second);
  return s + "}";
}

bool is_enas_dag_json(const Json& j) { return j.is_object() && j.contains("-1"); }

Genotype genotype_from_enas_dag_json(const Json& j) {
  if (!is_enas_dag_json(j)) bad("/", "expected an object with the key \"-1\" (the cell input)");
  // Every (parent, child, name) edge; the node count N is where the "avg" edges lead.
  struct Link {
    int64_t parent, child;
    std::string name;
  };
  std::vector<Link> links;
  for (const auto& [key, children] : j.items()) {
    int64_t parent = 0;
    try {
      size_t used = 0;
      parent = std::stoll(key, &used);
      if (used != key.size()) throw std::invalid_argument(key);
    } catch (const std::exception&) {
      bad("key \"" + key + "\"", "is not a node id");
    }
    if (!children.is_array()) bad("key \"" + key + "\"", "expected a list of [child, activation]");
    for (const auto& c : children) {
      if (!c.is_array() || c.size() != 2 || !c[0].is_number_integer() || !c[1].is_string())
        bad("key \"" + key + "\"", "expected [child id, \"activation\"], got " + c.dump());
      links.push_back({parent, detail::json_int64(c[0]), c[1].get<std::string>()});
    }
  }
  int64_t n = -1;
  for (const auto& l : links)
    if (l.name == kHt) n = l.parent;
  if (n < 1) bad("/", "no \"h[t]\" node: cannot tell the number of nodes");
  if (n > 1000) bad("/", std::to_string(n) + " nodes; at most 1000 are supported");
  Genotype g;
  g.space = "enas-rnn";
  g.dag.assign(static_cast<size_t>(n), DagNode{"", -2});
  std::set<int64_t> leaves;
  std::string input_activation[2];
  for (const auto& l : links) {
    const std::string where = "key \"" + std::to_string(l.parent) + "\"";
    if (l.name == kHt) {
      if (l.child != n + 1) bad(where, "\"h[t]\" must lead to node " + std::to_string(n + 1));
      continue;
    }
    if (l.name == kAvg) {
      if (l.child != n) bad(where, "\"avg\" must lead to node " + std::to_string(n));
      if (l.parent < 0 || l.parent >= n) bad(where, "only nodes can be leaves");
      leaves.insert(l.parent);
      continue;
    }
    if (l.parent == -1 || l.parent == -2) {
      if (l.child != 0) bad(where, "the inputs feed node 0 only");
      input_activation[-l.parent - 1] = l.name;
      continue;
    }
    if (l.parent < 0 || l.parent >= n || l.child <= l.parent || l.child >= n)
      bad(where,
          "child " + std::to_string(l.child) + " must come after its parent and before node " + std::to_string(n));
    auto& node = g.dag[static_cast<size_t>(l.child)];
    if (node.parent != -2) bad(where, "node " + std::to_string(l.child) + " has two parents");
    node = DagNode{l.name, static_cast<int>(l.parent)};
  }
  if (input_activation[0].empty()) bad("key \"-1\"", "does not feed node 0");
  if (!input_activation[1].empty() && input_activation[1] != input_activation[0])
    bad("key \"-2\"", "gives node 0 another activation than key \"-1\"");
  g.dag[0] = DagNode{input_activation[0], -1};
  for (int64_t i = 1; i < n; ++i)
    if (g.dag[static_cast<size_t>(i)].parent == -2) bad("/", "node " + std::to_string(i) + " has no parent");
  // The leaves it names must be exactly the nodes without children (carpedm20 derives them so).
  std::set<int64_t> parents;
  for (int64_t i = 1; i < n; ++i) parents.insert(g.dag[static_cast<size_t>(i)].parent);
  for (int64_t i = 0; i < n; ++i)
    if (!parents.count(i) != static_cast<bool>(leaves.count(i)))
      bad("key \"" + std::to_string(i) + "\"", parents.count(i) ? "a node with children cannot be an \"avg\" leaf"
                                                                : "a node without children must lead to \"avg\"");
  return g;
}

}  // namespace nas
