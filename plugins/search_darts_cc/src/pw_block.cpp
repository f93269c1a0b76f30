#include "pw_block.hpp"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/types.h>

#include "nashost/error.hpp"

namespace nas::darts_cc {

PiecewiseLinearImpl::PiecewiseLinearImpl(int64_t knots, std::vector<int64_t> shape) : shape_(std::move(shape)) {
  if (knots < 2) throw Error("a piecewise-linear block needs at least 2 knots, got " + std::to_string(knots));
  std::vector<int64_t> full{knots};
  full.insert(full.end(), shape_.begin(), shape_.end());
  knots_ = register_parameter("knots", at::zeros(full));
  pivots_ = register_parameter("pivots", at::linspace(0.0, 1.0, knots));
}

PiecewiseLinearImpl::Segment PiecewiseLinearImpl::segment(double lambda_tilde) const {
  const double l = kShrink * lambda_tilde;
  const int64_t k = num_knots();
  auto i = static_cast<int64_t>(std::floor(l * static_cast<double>(k - 1)));
  i = std::clamp<int64_t>(i, 0, k - 2);  // only reachable for λ̃ outside [0, 1]
  const at::Tensor pi = pivots_[i], pj = pivots_[i + 1];
  return {i, (pj - l) / (pj - pi)};
}

at::Tensor PiecewiseLinearImpl::forward(double lambda_tilde) const {
  const auto [i, d] = segment(lambda_tilde);
  return d * knots_[i] + (1 - d) * knots_[i + 1];
}

at::Tensor PiecewiseLinearImpl::forward(const at::Tensor& lambda_tilde) const {
  const at::Tensor l = lambda_tilde.to(at::kDouble).reshape({1}) * kShrink;
  const int64_t k = num_knots();
  const at::Tensor i = at::floor(l * static_cast<double>(k - 1)).clamp_(0, k - 2).to(at::kLong);
  const at::Tensor ij = at::cat({i, i + 1});
  const at::Tensor p = pivots_.index_select(0, ij), kn = knots_.index_select(0, ij);
  // l enters in the pivots' type, as the number does in segment()
  const at::Tensor pj = p.select(0, 1), d = (pj - l.squeeze(0).to(p.scalar_type())) / (pj - p.select(0, 0));
  return d * kn.select(0, 0) + (1 - d) * kn.select(0, 1);
}

void PiecewiseLinearImpl::init_kaiming_uniform(int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  at::NoGradGuard no_grad;
  knots_.uniform_(-bound, bound);
}

void PiecewiseLinearImpl::init_normal(double stddev) {
  at::NoGradGuard no_grad;
  knots_.normal_(0.0, stddev);
}

PWLinearImpl::PWLinearImpl(int64_t in_features, int64_t out_features, int64_t knots) {
  weight = register_module("weight", PiecewiseLinear(knots, std::vector<int64_t>{in_features, out_features}));
  bias = register_module("bias", PiecewiseLinear(knots, std::vector<int64_t>{out_features}));
  // The authors build the weight as an (in, out) tensor and apply PyTorch's default
  // Kaiming-uniform, whose fan_in is then size(1) = out → bound 1/√out (≈0.316 for 10).
  weight->init_kaiming_uniform(out_features);
  bias->init_normal(1.0);
}

at::Tensor PWLinearImpl::forward(const at::Tensor& x, double lambda_tilde) {
  return at::addmm(bias->forward(lambda_tilde), x, weight->forward(lambda_tilde));
}

at::Tensor PWLinearImpl::forward(const at::Tensor& x, const at::Tensor& lambda_tilde) {
  return at::addmm(bias->forward(lambda_tilde), x, weight->forward(lambda_tilde));
}

}  // namespace nas::darts_cc
