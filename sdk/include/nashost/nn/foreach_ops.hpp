#pragma once
// Whole-list tensor updates as ATen `_foreach_*` kernels.
//
// Why: a DARTS supernet has ~900 weight tensors and ~2,700 BatchNorm buffers. LibTorch's
// SGD::step, clip_grad_norm_ and tensor-by-tensor copies issue several kernels per tensor
// (thousands per step, each with its dispatch cost); on CUDA the `_foreach_*` ops run a
// whole list in a few multi-tensor kernels, as PyTorch's Python optimisers do by default.
// On the CPU they fall back to per-tensor loops: same results, same cost as before.
// Lists are split by (device, dtype) first, since one multi-tensor kernel needs both equal.
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "nashost/export.hpp"

namespace nas::nn {

/// Where Optimizer::zero_grad() would go (it drops them): lays `params` out one after another
/// in one buffer (once; they stay the same tensors, their data a view of it; again when a
/// checkpoint load replaced them) and their gradients in another, zeroed. Lists laid out so
/// make clip_grad_norm, sgd_step, global_norm, copy_all and clone_all one op on the buffer
/// instead of one or more per tensor, and autograd accumulates into the views in place (one
/// op per parameter instead of two). Only for lists whose every parameter gets a gradient in
/// every step: an unused one would get a zero gradient, weight decay and momentum. Throws
/// nas::Error unless the tensors are dense and of one device and type.
NASHOST_SDK_API void zero_flat_grads(const std::vector<at::Tensor>& params);

/// dst[i] ← src[i] for all i, without recording autograd history.
NASHOST_SDK_API void copy_all(const std::vector<at::Tensor>& dst, const std::vector<at::Tensor>& src);

/// Detached copies of `ts` (a snapshot to restore later with copy_all).
NASHOST_SDK_API std::vector<at::Tensor> clone_all(const std::vector<at::Tensor>& ts);

/// ‖(t₁, …, tₙ)‖₂ over all elements of all tensors, as a 0-dim tensor (no host sync).
NASHOST_SDK_API at::Tensor global_norm(const std::vector<at::Tensor>& ts);

/// torch::nn::utils::clip_grad_norm_ (L2) in multi-tensor kernels: scales the gradients of
/// `params` by min(1, max_norm / (‖g‖ + 1e-6)). Returns ‖g‖ as a 0-dim tensor without a
/// host sync (undefined if no parameter has a gradient).
NASHOST_SDK_API at::Tensor clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

/// One step of `optimizer` with exactly torch::optim::SGD::step's arithmetic (weight decay,
/// momentum with dampening, Nesterov) in multi-tensor kernels. The momentum buffers live in
/// the optimiser's own state, so its checkpoints and SGD::step stay interchangeable.
NASHOST_SDK_API void sgd_step(torch::optim::SGD& optimizer);

/// sgd_step with the learning rate read from `lr` (a 0-dim tensor on the parameters' device)
/// instead of the optimiser's options: a graph-safe step (nashost/nn/step_graph.hpp) takes it
/// as an input, so one captured step serves every epoch's rate. Equal to rounding.
NASHOST_SDK_API void sgd_step(torch::optim::SGD& optimizer, const at::Tensor& lr);

/// One step of `optimizer` as torch::optim::Adam::step computes it (L2 weight decay, AMSGrad)
/// in ATen's fused Adam kernel: one op for the whole list where Adam::step issues ~25 per
/// parameter. Same moments and step counts in the optimiser's own state (its checkpoints
/// and Adam::step stay interchangeable); equal to Adam::step to rounding.
NASHOST_SDK_API void adam_step(torch::optim::Adam& optimizer);

/// adam_step with this step's number (its bias corrections) read from `step_number`, a 0-dim
/// tensor on the parameters' device, instead of built from the host counters — a graph-safe
/// step's input (next_adam_step gives it). All parameters must be at the same step. The host
/// counters still advance; after a replay, which runs no host code, count_adam_step does it.
NASHOST_SDK_API void adam_step(torch::optim::Adam& optimizer, const at::Tensor& step_number);

/// The number (1-based) of the next step of `optimizer`; nas::Error unless all its parameters
/// are at the same step.
NASHOST_SDK_API int64_t next_adam_step(const torch::optim::Adam& optimizer);

/// Advances the step counters of `optimizer`'s parameters by one (a replayed adam_step).
NASHOST_SDK_API void count_adam_step(torch::optim::Adam& optimizer);

/// sgd_step for an SGD optimiser, adam_step for an Adam one, optimizer.step() for any other.
NASHOST_SDK_API void optimizer_step(torch::optim::Optimizer& optimizer);

}  // namespace nas::nn
