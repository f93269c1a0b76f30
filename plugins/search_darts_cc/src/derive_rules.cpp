#include "derive_rules.hpp"

#include <algorithm>
#include <numeric>

#include <ATen/ATen.h>

#include "cell_layout.hpp"
#include "nashost/error.hpp"

namespace nas::darts_cc {
namespace {

int64_t none_index(const std::vector<std::string>& op_names) {
  const auto it = std::find(op_names.begin(), op_names.end(), "none");
  return it == op_names.end() ? -1 : static_cast<int64_t>(it - op_names.begin());
}

}  // namespace

DeriveRule parse_derive_rule(const std::string& name, const std::string& key) {
  if (name == "simple") return DeriveRule::Simple;
  if (name == "darts") return DeriveRule::Darts;
  throw ConfigError(key + " = '" + name +
                    "' is not a derivation rule; valid: simple (argmax per edge, "
                    "none included), darts (top-2 non-none edges per node)");
}

const char* derive_rule_name(DeriveRule rule) { return rule == DeriveRule::Simple ? "simple" : "darts"; }

CellGenotype derive_cell(const at::Tensor& alpha, const std::vector<std::string>& op_names, int64_t nodes,
                         DeriveRule rule) {
  const at::Tensor a = alpha.detach().to(at::kCPU, at::kDouble).contiguous();
  if (a.dim() != 2 || a.size(0) != num_edges(nodes) || a.size(1) != static_cast<int64_t>(op_names.size()))
    throw Error("derive: alpha has shape " + std::to_string(a.size(0)) + "x" + std::to_string(a.size(1)) +
                ", expected " + std::to_string(num_edges(nodes)) + "x" + std::to_string(op_names.size()));
  const int64_t none = none_index(op_names);
  const at::Tensor probs = at::softmax(a, -1);
  auto p = probs.accessor<double, 2>();
  const int64_t num_ops = a.size(1);
  CellGenotype cell;
  for (int64_t node = 0; node < nodes; ++node) {
    std::vector<GenotypeEdge> kept;
    const int64_t first = first_edge(node);
    if (rule == DeriveRule::Simple) {
      for (int input = 0; input < node + 2; ++input) {
        int64_t best = 0;
        for (int64_t o = 1; o < num_ops; ++o)
          if (p[first + input][o] > p[first + input][best]) best = o;
        if (best != none) kept.push_back({op_names[best], input});
      }
    } else {
      struct Cand {
        int input;
        int64_t op;
        double prob;
      };
      std::vector<Cand> cands;
      for (int input = 0; input < node + 2; ++input) {
        int64_t best = -1;
        for (int64_t o = 0; o < num_ops; ++o)
          if (o != none && (best < 0 || p[first + input][o] > p[first + input][best])) best = o;
        cands.push_back({input, best, p[first + input][best]});
      }
      // Highest probability first; ties keep the lower input (stable sort).
      std::stable_sort(cands.begin(), cands.end(), [](const Cand& x, const Cand& y) { return x.prob > y.prob; });
      for (size_t k = 0; k < std::min<size_t>(2, cands.size()); ++k)
        kept.push_back({op_names[cands[k].op], cands[k].input});
    }
    cell.nodes.push_back(std::move(kept));
    cell.concat.push_back(static_cast<int>(node) + 2);
  }
  return cell;
}

std::vector<int64_t> cell_op_indices(const CellGenotype& cell, const std::vector<std::string>& op_names, int64_t nodes,
                                     const std::string& which) {
  if (static_cast<int64_t>(cell.nodes.size()) != nodes)
    throw Error("genotype " + which + " cell has " + std::to_string(cell.nodes.size()) + " nodes but the network has " +
                std::to_string(nodes) + " (option nodes)");
  const int64_t none = none_index(op_names);
  std::vector<int64_t> idx(num_edges(nodes), -1);
  for (int64_t node = 0; node < nodes; ++node) {
    for (const auto& edge : cell.nodes[node]) {
      const std::string where = "genotype " + which + " cell, node " + std::to_string(node);
      if (edge.input < 0 || edge.input >= node + 2)
        throw Error(where + ": edge from input " + std::to_string(edge.input) + " is out of range 0.." +
                    std::to_string(node + 1));
      const auto it = std::find(op_names.begin(), op_names.end(), edge.op);
      if (it == op_names.end()) {
        std::string valid;
        for (const auto& n : op_names) valid += (valid.empty() ? "" : ", ") + n;
        throw Error(where + ": op '" + edge.op + "' is not in the operation set (" + valid + ")");
      }
      auto& slot = idx[first_edge(node) + edge.input];
      if (slot >= 0)
        throw Error(where + ": two edges from input " + std::to_string(edge.input) +
                    "; this network holds one op per edge");
      slot = it - op_names.begin();
    }
  }
  for (size_t e = 0; e < idx.size(); ++e) {
    if (idx[e] >= 0) continue;
    if (none < 0) throw Error("genotype " + which + " cell leaves an edge empty but the operation set has no 'none'");
    idx[e] = none;
  }
  return idx;
}

}  // namespace nas::darts_cc
