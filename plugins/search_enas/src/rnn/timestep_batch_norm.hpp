#pragma once
// The shared RNN's output BatchNorm, applied to every timestep on its own (statistics over
// the batch per timestep and feature; in training the running statistics updated once per
// timestep, in order) — as one batch_norm over [B, T·H] instead of one call per timestep
// (35 forward and backward calls, ~1k ATen ops per ENAS step). The sequential running
// update r ← (1 − m)·r + m·stat_t is summed in closed form; equal to the per-timestep calls
// to rounding (float64 test).
#include <ATen/core/Tensor.h>
#include <torch/nn/modules/batchnorm.h>

namespace nas::enas {

/// x [B, T, H] → [B, T, H]; `bn` over H features, in its training or evaluation mode.
at::Tensor timestep_batch_norm(const at::Tensor& x, torch::nn::BatchNorm1dImpl& bn);

}  // namespace nas::enas
