#include "nashost/cell_sampler.hpp"

#include <algorithm>

#include "nashost/error.hpp"

namespace nas {

CellSampler::CellSampler(std::vector<std::string> op_names, int nodes) : op_names_(std::move(op_names)), nodes_(nodes) {
  for (size_t i = 0; i < op_names_.size(); ++i) {
    if (op_names_[i] == "none")
      none_ = static_cast<int64_t>(i);
    else
      candidates_.push_back(static_cast<int64_t>(i));
  }
  if (none_ < 0)
    throw ConfigError("cell sampler: the operation set has no 'none' op, which the supernet needs for unchosen edges");
  if (candidates_.empty()) throw ConfigError("cell sampler: the operation set has no op besides 'none'");
  if (nodes_ < 1) throw ConfigError("cell sampler: nodes must be >= 1");
}

SampledCell CellSampler::sample_cell(std::mt19937_64& rng) const {
  SampledCell cell;
  std::uniform_int_distribution<size_t> pick_op(0, candidates_.size() - 1);
  for (int i = 0; i < nodes_; ++i) {
    const int states = i + 2;  // c_{k-2}, c_{k-1} and the nodes before i
    // A uniform unordered pair: the first input uniform, the second uniform among the rest.
    std::uniform_int_distribution<int> first(0, states - 1), second(0, states - 2);
    SampledCell::Node node;
    const int a = first(rng);
    int b = second(rng);
    if (b >= a) ++b;
    node.input[0] = std::min(a, b);
    node.input[1] = std::max(a, b);
    node.op[0] = candidates_[pick_op(rng)];
    node.op[1] = candidates_[pick_op(rng)];
    cell.nodes.push_back(node);
  }
  return cell;
}

SampledArch CellSampler::sample(std::mt19937_64& rng) const {
  SampledArch arch;
  arch.normal = sample_cell(rng);
  arch.reduce = sample_cell(rng);
  return arch;
}

std::vector<int64_t> CellSampler::edge_ops(const SampledCell& cell) const {
  std::vector<int64_t> ops;
  for (int i = 0; i < nodes_; ++i) {
    const auto& node = cell.nodes.at(static_cast<size_t>(i));
    for (int input = 0; input < i + 2; ++input) {
      int64_t op = none_;
      for (int k = 0; k < 2; ++k)
        if (node.input[k] == input) op = node.op[k];
      ops.push_back(op);
    }
  }
  return ops;
}

CellGenotype CellSampler::cell_genotype(const SampledCell& cell) const {
  CellGenotype g;
  for (const auto& node : cell.nodes)
    g.nodes.push_back({{op_names_[static_cast<size_t>(node.op[0])], node.input[0]},
                       {op_names_[static_cast<size_t>(node.op[1])], node.input[1]}});
  for (int i = 0; i < nodes_; ++i) g.concat.push_back(i + 2);
  return g;
}

Genotype CellSampler::genotype(const SampledArch& arch) const {
  Genotype g;
  g.space = "darts";
  g.normal = cell_genotype(arch.normal);
  g.reduce = cell_genotype(arch.reduce);
  return g;
}

void CellSampler::check_shape(const Genotype& g) const {
  const auto fits = [&](const CellGenotype& cell) {
    if (static_cast<int>(cell.nodes.size()) != nodes_) return false;
    for (size_t i = 0; i < cell.nodes.size(); ++i) {
      if (cell.nodes[i].size() != 2) return false;
      for (const auto& e : cell.nodes[i])
        if (e.input < 0 || e.input >= static_cast<int>(i) + 2) return false;
    }
    return true;
  };
  if (!g.is_cell() || !fits(g.normal) || !fits(g.reduce))
    throw ConfigError("mutate: the genotype is not a DARTS-space genotype of " + std::to_string(nodes_) +
                      " nodes with two inputs each");
}

Genotype CellSampler::mutate(const Genotype& parent, std::mt19937_64& rng, CellMutation* what) const {
  check_shape(parent);
  Genotype child = parent;
  CellMutation m;
  m.reduce = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
  m.node = std::uniform_int_distribution<int>(0, nodes_ - 1)(rng);
  m.edge = std::uniform_int_distribution<int>(0, 1)(rng);
  m.input = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
  auto& node = (m.reduce ? child.reduce : child.normal).nodes[static_cast<size_t>(m.node)];
  GenotypeEdge& edge = node[static_cast<size_t>(m.edge)];
  std::vector<int> inputs;  // states before the node that are not yet its inputs
  for (int s = 0; s < m.node + 2; ++s)
    if (s != node[0].input && s != node[1].input) inputs.push_back(s);
  if (inputs.empty()) m.input = false;
  if (m.input) {
    const int to = inputs[std::uniform_int_distribution<size_t>(0, inputs.size() - 1)(rng)];
    m.before = std::to_string(edge.input);
    m.after = std::to_string(to);
    edge.input = to;
  } else {
    std::vector<std::string> ops;
    for (int64_t k : candidates_)
      if (op_names_[static_cast<size_t>(k)] != edge.op) ops.push_back(op_names_[static_cast<size_t>(k)]);
    if (ops.empty())
      throw ConfigError("mutate: node " + std::to_string(m.node) +
                        " can change neither its op (the operation set has one op besides 'none') nor its inputs");
    m.before = edge.op;
    m.after = ops[std::uniform_int_distribution<size_t>(0, ops.size() - 1)(rng)];
    edge.op = m.after;
  }
  if (what) *what = m;
  return child;
}

}  // namespace nas
