#include "gumbel_hard.hpp"

#include <ATen/ATen.h>

#include <nashost/error.hpp>

namespace gdas {

HardSample sample_hard(const at::Tensor& alpha, double tau, at::Generator& gen) {
  if (!(tau > 0)) throw nas::ConfigError("gdas: the temperature must be positive");
  const at::Tensor log_p = at::log_softmax(alpha, -1);
  for (int attempt = 0; attempt < 100; ++attempt) {
    at::Tensor exp_noise = at::empty(alpha.sizes(), alpha.options().device(at::kCPU).requires_grad(false));
    {
      const at::NoGradGuard no_grad;
      exp_noise.exponential_(1.0, gen);
    }
    const at::Tensor gumbel = (-exp_noise.log()).to(alpha.device());
    const at::Tensor soft = at::softmax((log_p + gumbel) / tau, -1);
    if (!at::isfinite(gumbel).all().item<bool>() || !at::isfinite(soft).all().item<bool>()) continue;
    const at::Tensor index = soft.argmax(-1);
    const at::Tensor one_hot = at::zeros_like(soft).scatter_(-1, index.unsqueeze(-1), 1.0);
    HardSample s;
    s.weights = one_hot - soft.detach() + soft;
    const at::Tensor index_cpu = index.to(at::kCPU);
    s.index.assign(index_cpu.data_ptr<int64_t>(), index_cpu.data_ptr<int64_t>() + index_cpu.numel());
    return s;
  }
  throw nas::NumericError("gdas: no finite Gumbel sample in 100 draws; alpha holds NaN or inf");
}

at::Tensor gdas_edge(nas::nn::MixedOpImpl& op, const at::Tensor& x, const at::Tensor& weights_row, int64_t index) {
  at::Tensor out = weights_row[index] * op.forward_single(x, index);
  // Σ_{o ≠ index} weights[o]: zero in value (one_hot − soft + soft), the reference's way of
  // giving the undrawn weights a gradient without running their ops.
  const at::Tensor others = weights_row.sum() - weights_row[index];
  return out + others;
}

double tau_at(int64_t epoch, int64_t epochs, double tau_max, double tau_min) {
  if (epochs <= 1) return tau_max;
  const double t = static_cast<double>(epoch) / static_cast<double>(epochs - 1);
  return (1.0 - t) * tau_max + t * tau_min;  // this form is exact at both ends
}

}  // namespace gdas
