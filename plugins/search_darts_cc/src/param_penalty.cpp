#include "param_penalty.hpp"

#include <ATen/ATen.h>

namespace nas::darts_cc {

at::Tensor cell_param_costs(const OperationSet& ops, const CellSpec& cell, int64_t nodes) {
  const auto& names = ops.ops();
  const auto edges = edge_list(nodes);
  at::Tensor table = at::zeros({static_cast<int64_t>(edges.size()), static_cast<int64_t>(names.size())}, at::kDouble);
  auto acc = table.accessor<double, 2>();
  // Counts depend only on (channels, stride): compute each op twice at most.
  for (int64_t stride : {1, 2}) {
    std::vector<double> per_op;
    for (const auto& name : names) {
      OpArgs args;
      args.channels = cell.channels;
      args.stride = stride;
      args.affine = false;
      args.search = true;
      per_op.push_back(static_cast<double>(ops.param_count(name, args)));
    }
    for (size_t e = 0; e < edges.size(); ++e) {
      if (edge_stride(cell.reduction, edges[e].input) != stride) continue;
      for (size_t o = 0; o < names.size(); ++o) acc[e][o] = per_op[o];
    }
  }
  return table;
}

ParamCosts build_param_costs(const OperationSet& ops, const std::vector<CellSpec>& cells, int64_t nodes) {
  const int64_t e = num_edges(nodes), o = static_cast<int64_t>(ops.ops().size());
  ParamCosts costs{at::zeros({e, o}, at::kDouble), at::zeros({e, o}, at::kDouble)};
  for (const auto& cell : cells) (cell.reduction ? costs.reduce : costs.normal) += cell_param_costs(ops, cell, nodes);
  return costs;
}

at::Tensor expected_param_count(const at::Tensor& alpha_normal, const at::Tensor& alpha_reduce,
                                const ParamCosts& costs) {
  const auto opts = alpha_normal.options();
  return (at::softmax(alpha_normal, -1) * costs.normal.to(opts)).sum() +
         (at::softmax(alpha_reduce, -1) * costs.reduce.to(opts)).sum();
}

}  // namespace nas::darts_cc
