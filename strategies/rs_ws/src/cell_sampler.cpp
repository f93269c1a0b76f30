#include "cell_sampler.hpp"

#include <nashost/error.hpp>

namespace rs_ws {

CellSampler::CellSampler(std::vector<std::string> op_names, int nodes) : op_names_(std::move(op_names)), nodes_(nodes) {
  for (size_t i = 0; i < op_names_.size(); ++i) {
    if (op_names_[i] == "none")
      none_ = static_cast<int64_t>(i);
    else
      candidates_.push_back(static_cast<int64_t>(i));
  }
  if (none_ < 0)
    throw nas::ConfigError("rs-ws: the operation set has no 'none' op, which the supernet needs for unchosen edges");
  if (candidates_.empty()) throw nas::ConfigError("rs-ws: the operation set has no op besides 'none'");
  if (nodes_ < 1) throw nas::ConfigError("rs-ws: nodes must be >= 1");
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

nas::CellGenotype CellSampler::cell_genotype(const SampledCell& cell) const {
  nas::CellGenotype g;
  for (const auto& node : cell.nodes)
    g.nodes.push_back({{op_names_[static_cast<size_t>(node.op[0])], node.input[0]},
                       {op_names_[static_cast<size_t>(node.op[1])], node.input[1]}});
  for (int i = 0; i < nodes_; ++i) g.concat.push_back(i + 2);
  return g;
}

nas::Genotype CellSampler::genotype(const SampledArch& arch) const {
  nas::Genotype g;
  g.space = "darts";
  g.normal = cell_genotype(arch.normal);
  g.reduce = cell_genotype(arch.reduce);
  return g;
}

}  // namespace rs_ws
