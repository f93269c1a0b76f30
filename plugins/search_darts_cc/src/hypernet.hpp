#pragma once
// The DARTS-CC hypernetwork of one cell type (docs/methods.md, DARTS-CC): one PW block per intermediate
// node, mapping λ̃ to that node's (i+2) × n_ops logits. Stacked, they give the cell type's
// α(λ̃) as an [E, n_ops] matrix in the usual edge order.
//
// The authors' config keys hidden_layer_num/size would put PW blocks with ReLUs in
// between, but a PW block only uses its input as the interpolation coordinate, so every
// shipped config uses a single block; we implement exactly that case.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "pw_block.hpp"

namespace nas::darts_cc {

class CellHypernetImpl : public torch::nn::Module {
 public:
  CellHypernetImpl(int64_t nodes, int64_t num_ops, int64_t knots);
  /// α(λ̃): [E, num_ops].
  at::Tensor forward(double lambda_tilde) const;
  at::Tensor forward(const at::Tensor& lambda_tilde) const;  ///< λ̃ as a 0-dim tensor (PiecewiseLinear)
  int64_t nodes() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t num_ops() const { return num_ops_; }
  const PiecewiseLinear& block(int64_t node) const { return blocks_.at(node); }

 private:
  int64_t num_ops_;
  std::vector<PiecewiseLinear> blocks_;
};
TORCH_MODULE(CellHypernet);

}  // namespace nas::darts_cc
