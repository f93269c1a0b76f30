#pragma once
// The piecewise-linear ("PW") block of DARTS-CC (docs/methods.md, DARTS-CC): K learnable constant tensors
// (knots) and K learnable pivot positions; the output at λ̃ interpolates linearly between
// two neighbouring knots. The segment is picked on the fixed uniform grid while the
// interpolation weight uses the learned pivots, exactly as in the authors' code, so the
// weight may leave [0, 1] once pivots drift (extrapolation) — that is intended.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace nas::darts_cc {

class PiecewiseLinearImpl : public torch::nn::Module {
 public:
  /// λ̃ is multiplied by this before the segment look-up so that λ̃ = 1 stays inside
  /// the last segment.
  static constexpr double kShrink = 0.99999;

  /// `knots` ≥ 2 constant tensors of shape `shape`; pivots = linspace(0, 1, knots).
  /// Knots start at zero: call one of the init_* functions.
  PiecewiseLinearImpl(int64_t knots, std::vector<int64_t> shape);

  /// Value at λ̃ (shape `shape`), differentiable w.r.t. knots and pivots.
  at::Tensor forward(double lambda_tilde) const;
  /// The same with λ̃ a 0-dim tensor on the knots' device: the segment is looked up on the
  /// device (same double arithmetic, same result), so a captured step can take λ̃ as an input.
  at::Tensor forward(const at::Tensor& lambda_tilde) const;

  /// Each knot independently ~ U(−1/√fan_in, 1/√fan_in): Kaiming-uniform with a = √5,
  /// which is what PyTorch's default init gives on the knot's own shape.
  void init_kaiming_uniform(int64_t fan_in);
  void init_normal(double stddev = 1.0);

  int64_t num_knots() const { return knots_.size(0); }
  const std::vector<int64_t>& shape() const { return shape_; }
  const at::Tensor& knots() const { return knots_; }
  const at::Tensor& pivots() const { return pivots_; }

  /// Segment [i, i+1] and weight d of knot i at λ̃ (exposed for tests).
  struct Segment {
    int64_t i;
    at::Tensor d;
  };
  Segment segment(double lambda_tilde) const;

 private:
  std::vector<int64_t> shape_;
  at::Tensor knots_;   // [K, shape...]
  at::Tensor pivots_;  // [K]
};
TORCH_MODULE(PiecewiseLinear);

/// The λ-conditioned classifier head of the search network (docs/methods.md, DARTS-CC):
/// logits = x · W(λ̃) + b(λ̃) with W: [in, out] and b: [out] PW blocks.
class PWLinearImpl : public torch::nn::Module {
 public:
  PWLinearImpl(int64_t in_features, int64_t out_features, int64_t knots);
  at::Tensor forward(const at::Tensor& x, double lambda_tilde);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& lambda_tilde);  ///< λ̃ as a 0-dim tensor
  PiecewiseLinear weight{nullptr}, bias{nullptr};
};
TORCH_MODULE(PWLinear);

}  // namespace nas::darts_cc
