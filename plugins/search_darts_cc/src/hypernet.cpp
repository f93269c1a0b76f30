#include "hypernet.hpp"

#include <string>

#include <ATen/ATen.h>

namespace nas::darts_cc {

CellHypernetImpl::CellHypernetImpl(int64_t nodes, int64_t num_ops, int64_t knots) : num_ops_(num_ops) {
  for (int64_t i = 0; i < nodes; ++i) {
    const int64_t width = (i + 2) * num_ops;
    auto block = register_module("node" + std::to_string(i), PiecewiseLinear(knots, std::vector<int64_t>{1, width}));
    // PyTorch's fan_in of a 1 × width knot is width: bounds ±0.25, ±0.204, ±0.177, ±0.158.
    block->init_kaiming_uniform(width);
    blocks_.push_back(block);
  }
}

namespace {
template <class Lambda>
at::Tensor rows_at(const std::vector<PiecewiseLinear>& blocks, int64_t num_ops, const Lambda& lambda_tilde) {
  std::vector<at::Tensor> rows;
  rows.reserve(blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i)
    rows.push_back(blocks[i]->forward(lambda_tilde).view({static_cast<int64_t>(i) + 2, num_ops}));
  return at::cat(rows, 0);
}
}  // namespace

at::Tensor CellHypernetImpl::forward(double lambda_tilde) const { return rows_at(blocks_, num_ops_, lambda_tilde); }

at::Tensor CellHypernetImpl::forward(const at::Tensor& lambda_tilde) const {
  return rows_at(blocks_, num_ops_, lambda_tilde);
}

}  // namespace nas::darts_cc
