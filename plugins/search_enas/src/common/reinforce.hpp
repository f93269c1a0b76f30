#pragma once
// The REINFORCE pieces the RNN and the CNN searches share: the moving-average baseline and
// the per-decision rewards (each controller computes its own loss from them).
#include <cstdint>

#include <ATen/core/Tensor.h>

namespace nas::enas {

/// REINFORCE with an element-wise moving-average baseline over the decision vector.
/// Positions a sample does not use (mask 0) keep their baseline (the fork pads the
/// reward with the baseline's tail there); a position's first reward initialises it.
class Reinforce {
 public:
  Reinforce(int64_t num_decisions, double decay);
  /// rewards [D] (per-decision rewards, no grad), mask [D]; updates the baseline, returns r - b.
  at::Tensor advantage(const at::Tensor& rewards, const at::Tensor& mask);
  const at::Tensor& baseline() const { return baseline_; }
  const at::Tensor& initialised() const { return initialised_; }
  void set_state(at::Tensor baseline, at::Tensor initialised);

 private:
  double decay_;
  at::Tensor baseline_, initialised_;
};

/// Per-decision rewards: R + entropy_coeff * H_t ("reward" mode) or R ("regularizer" mode).
at::Tensor decision_rewards(double reward, const at::Tensor& entropies, double entropy_coeff, bool entropy_in_reward);

}  // namespace nas::enas
