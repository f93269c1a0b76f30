#include "common/reinforce.hpp"

#include <ATen/ATen.h>

namespace nas::enas {

Reinforce::Reinforce(int64_t num_decisions, double decay)
    : decay_(decay), baseline_(at::zeros({num_decisions})), initialised_(at::zeros({num_decisions})) {}

at::Tensor Reinforce::advantage(const at::Tensor& rewards, const at::Tensor& mask) {
  at::Tensor r = rewards.detach().to(at::kCPU, at::kFloat);
  at::Tensor m = mask.detach().to(at::kCPU, at::kFloat);
  at::Tensor ema = decay_ * baseline_ + (1.0 - decay_) * r;
  at::Tensor updated = at::where(initialised_ > 0, ema, r);
  baseline_ = at::where(m > 0, updated, baseline_);
  initialised_ = at::maximum(initialised_, m);
  return ((r - baseline_) * m).to(rewards.device());
}

void Reinforce::set_state(at::Tensor baseline, at::Tensor initialised) {
  baseline_ = baseline.to(at::kCPU, at::kFloat);
  initialised_ = initialised.to(at::kCPU, at::kFloat);
}

at::Tensor decision_rewards(double reward, const at::Tensor& entropies, double entropy_coeff, bool entropy_in_reward) {
  at::Tensor h = entropies.detach();
  if (entropy_in_reward) return reward + entropy_coeff * h;
  return at::full_like(h, reward);
}

}  // namespace nas::enas
