#pragma once
// GDAS's differentiable sampler (Dong & Yang 2019, "Searching for A Robust Neural Architecture
// in Four GPU Hours"): per edge one operation, drawn by the Gumbel-max trick from softmax(α),
// with a straight-through weight — one in value, the Gumbel-softmax sample's gradient in the
// backward pass — so that only the drawn operation runs while α still learns.
#include <cstdint>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <nashost/nn/darts_search_network.hpp>

namespace gdas {

struct HardSample {
  /// [E, O]: one_hot(index) − soft.detach() + soft, soft = softmax((log_softmax(α) + g) / τ).
  at::Tensor weights;
  /// The drawn op of every edge (argmax of soft).
  std::vector<int64_t> index;
};

/// One draw for every edge of `alpha` ([E, O] logits). The Gumbel noise g = −log(Exp(1)) comes
/// from `gen` (a CPU generator: the same draws on every device) and is redrawn, as the
/// reference does, in the rare case that it or the sample is not finite.
HardSample sample_hard(const at::Tensor& alpha, double tau, at::Generator& gen);

/// One edge as GDAS computes it: weights[index] · op_index(x) + Σ_{o ≠ index} weights[o].
/// Only the drawn op runs; the other terms are 0 in value and pass the gradient of the
/// output's sum to their weights, as the reference's MixedOp.forward_gdas does.
at::Tensor gdas_edge(nas::nn::MixedOpImpl& op, const at::Tensor& x, const at::Tensor& weights_row, int64_t index);

/// The temperature of epoch e (0-based) of E: linear from tau_max (first epoch) to tau_min
/// (last epoch), as the reference anneals it.
double tau_at(int64_t epoch, int64_t epochs, double tau_max, double tau_min);

}  // namespace gdas
