#pragma once
// Gumbel-softmax (Concrete) relaxation as DARTS-CC uses it (docs/methods.md, DARTS-CC): soft samples only
// (no straight-through), one independent sample per example, per edge; temperature
// t(e) = initial + delta · e set at the start of epoch e.
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace nas::darts_cc {

/// Relaxed one-hot samples softmax((α + g) / t), g ~ Gumbel(0, 1):
/// logits [E, O] → weights [batch, E, O], differentiable w.r.t. the logits.
/// Noise comes from the default generator of the logits' device.
at::Tensor gumbel_softmax_weights(const at::Tensor& logits, int64_t batch, double temperature);
/// The same with t a 0-dim tensor (an input of a captured step).
at::Tensor gumbel_softmax_weights(const at::Tensor& logits, int64_t batch, const at::Tensor& temperature);

/// t(e) = initial + delta · e.
double temperature_at(double initial, double delta, int64_t epoch);

}  // namespace nas::darts_cc
