#include "nashost/nn/derive_cell.hpp"

#include <algorithm>
#include <numeric>

#include <ATen/ATen.h>

#include "nashost/error.hpp"
#include "nashost/nn/darts_search_network.hpp"

namespace nas::nn {

CellGenotype derive_cell(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes,
                         int64_t edges_per_node) {
  return derive_cell_from_weights(at::softmax(alpha.detach().to(at::kCPU, at::kDouble), -1), ops, nodes,
                                  edges_per_node);
}

CellGenotype derive_cell_from_weights(const at::Tensor& weights, const std::vector<std::string>& ops, int64_t nodes,
                                      int64_t edges_per_node) {
  const at::Tensor p = weights.detach().to(at::kCPU, at::kDouble).contiguous();
  const int64_t edges = cell_edge_count(nodes);
  if (p.dim() != 2 || p.size(0) != edges)
    throw Error("derive: expected [" + std::to_string(edges) + ", ops] edge weights");
  const int64_t num_ops = p.size(1);
  if (num_ops != static_cast<int64_t>(ops.size()))
    throw Error("derive: alpha has a different number of ops than the set");
  const auto none_it = std::find(ops.begin(), ops.end(), "none");
  const int64_t none = none_it == ops.end() ? -1 : none_it - ops.begin();
  const double* data = p.data_ptr<double>();
  CellGenotype cell;
  int64_t row = 0;
  for (int64_t i = 0; i < nodes; ++i) {
    const int64_t inputs = 2 + i;
    std::vector<double> strength(static_cast<size_t>(inputs), -1.0);
    std::vector<int64_t> best(static_cast<size_t>(inputs), -1);
    for (int64_t j = 0; j < inputs; ++j)
      for (int64_t o = 0; o < num_ops; ++o) {
        if (o == none) continue;
        const double v = data[(row + j) * num_ops + o];
        if (v > strength[static_cast<size_t>(j)]) {  // strict: first op wins ties
          strength[static_cast<size_t>(j)] = v;
          best[static_cast<size_t>(j)] = o;
        }
      }
    std::vector<int64_t> order(static_cast<size_t>(inputs));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return strength[static_cast<size_t>(a)] > strength[static_cast<size_t>(b)];
    });
    std::vector<GenotypeEdge> edges;
    for (int64_t k = 0; k < std::min(edges_per_node, inputs); ++k) {
      const int64_t j = order[static_cast<size_t>(k)];
      edges.push_back({ops[static_cast<size_t>(best[static_cast<size_t>(j)])], static_cast<int>(j)});
    }
    cell.nodes.push_back(edges);
    cell.concat.push_back(static_cast<int>(i) + 2);
    row += inputs;
  }
  return cell;
}

}  // namespace nas::nn
