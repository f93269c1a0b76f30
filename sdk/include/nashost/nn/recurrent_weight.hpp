#pragma once
// A weight matrix that a recurrence applies once per timestep (y_t = x_t·Wᵀ), with its
// gradient computed once over all timesteps.
//
// Left to autograd, every use contributes its own weight-gradient GEMM gᵀ·x with an inner
// dimension of one batch (64 in ENAS), and the engine sums the contributions: 35 × 13 small
// GEMMs and as many additions per ENAS step. Here each use's backward only hands on the
// input gradient and keeps (x_t, g_t); the weight's gradient is one GEMM over the
// concatenated timesteps (inner dimension T·batch), computed when autograd reaches the
// weight, i.e. after every use's backward has run. Same gradient up to rounding; first
// derivatives only (a create_graph backward would not differentiate the weight's gradient).
#include <ATen/core/List.h>
#include <ATen/core/Tensor.h>

#include "nashost/export.hpp"

namespace nas::nn {

class NASHOST_SDK_API RecurrentWeight {
 public:
  /// `w` [out, in]: a parameter or a tensor computed from one (e.g. after DropConnect).
  /// One object per forward pass. Without grad mode, or for a `w` that needs no gradient,
  /// the uses are plain matmuls.
  explicit RecurrentWeight(const at::Tensor& w);
  /// x [B, in] → x·Wᵀ [B, out].
  at::Tensor apply(const at::Tensor& x) const;

 private:
  at::Tensor w_;                          ///< what every use reads; its gradient node computes W's gradient
  c10::List<at::Tensor> inputs_, grads_;  ///< shared (reference semantics) with the autograd nodes
  bool deferred_ = false;
};

}  // namespace nas::nn
