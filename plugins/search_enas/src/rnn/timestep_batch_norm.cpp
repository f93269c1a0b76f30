#include "rnn/timestep_batch_norm.hpp"

#include <cmath>
#include <vector>

#include <ATen/ATen.h>

namespace nas::enas {

at::Tensor timestep_batch_norm(const at::Tensor& x, torch::nn::BatchNorm1dImpl& bn) {
  const int64_t B = x.size(0), T = x.size(1), H = x.size(2);
  const auto& o = bn.options;
  const bool cudnn = at::globalContext().userEnabledCuDNN();
  if (!bn.is_training() && o.track_running_stats())  // per feature, the same for every timestep
    return at::batch_norm(x.reshape({B * T, H}), bn.weight, bn.bias, bn.running_mean, bn.running_var, false,
                          o.momentum().value_or(0.0), o.eps(), cudnn)
        .view({B, T, H});
  if (!o.momentum()) {  // a cumulative average: its factor changes per call, so call per timestep
    std::vector<at::Tensor> ys;
    for (int64_t t = 0; t < T; ++t) ys.push_back(bn.forward(x.select(1, t)));
    return at::stack(ys, 1);
  }
  // Features (t, h) of [B, T·H] are normalised over the batch, each on its own.
  const at::Tensor w = bn.weight.defined() ? bn.weight.repeat({T}) : at::Tensor();
  const at::Tensor b = bn.bias.defined() ? bn.bias.repeat({T}) : at::Tensor();
  at::Tensor y = at::batch_norm(x.reshape({B, T * H}), w, b, {}, {}, true, 0.0, o.eps(), cudnn).view({B, T, H});
  if (o.track_running_stats() && bn.is_training()) {
    at::NoGradGuard no_grad;
    const double m = *o.momentum();
    // T updates r ← (1 − m)·r + m·stat_t:  r_T = (1 − m)^T·r_0 + Σ_t m·(1 − m)^(T−1−t)·stat_t
    std::vector<double> c(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) c[static_cast<size_t>(t)] = m * std::pow(1 - m, static_cast<double>(T - 1 - t));
    const at::Tensor coef = at::tensor(c, at::TensorOptions().dtype(at::kDouble)).to(x.options());
    const at::Tensor keep = at::scalar_tensor(std::pow(1 - m, static_cast<double>(T)), x.options());
    const at::Tensor xd = x.detach();
    bn.running_mean.mul_(keep).add_(at::mv(xd.mean(0).t(), coef));
    bn.running_var.mul_(keep).add_(at::mv(xd.var(0, /*unbiased=*/true).t(), coef));
    bn.num_batches_tracked.add_(T);
  }
  return y;
}

}  // namespace nas::enas
