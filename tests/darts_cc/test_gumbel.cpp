// Gumbel-softmax (docs/methods.md, DARTS-CC): per-example, per-edge samples whose argmax frequencies
// follow softmax(α), nearly one-hot at small temperature, differentiable.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include "gumbel.hpp"

using nas::darts_cc::gumbel_softmax_weights;
using nas::darts_cc::temperature_at;

TEST(Gumbel, ArgmaxFrequenciesMatchSoftmaxAtLowTemperature) {
  at::manual_seed(123);
  const at::Tensor logits = at::tensor({1.0f, 0.0f, -1.0f, 0.5f, -2.0f, 2.0f, 0.0f, 0.0f}).view({2, 4});
  const int64_t n = 40000;
  const at::Tensor w = gumbel_softmax_weights(logits, n, 0.05);
  ASSERT_EQ(w.sizes(), (std::vector<int64_t>{n, 2, 4}));
  // Nearly one-hot at t = 0.05.
  EXPECT_GT(w.amax(-1).mean().item<double>(), 0.95);
  const at::Tensor freq = at::one_hot(w.argmax(-1), 4).to(at::kFloat).mean(0);
  const at::Tensor p = at::softmax(logits, -1);
  EXPECT_LT((freq - p).abs().max().item<double>(), 0.01) << freq << p;
  // Rows of every sample sum to one.
  EXPECT_TRUE(at::allclose(w.sum(-1), at::ones({n, 2})));
}

TEST(Gumbel, SamplesDifferPerExampleAndEdgeAndAreSoftAtHighTemperature) {
  at::manual_seed(5);
  const at::Tensor logits = at::zeros({3, 8});
  const at::Tensor w = gumbel_softmax_weights(logits, 4, 1.0);
  EXPECT_GT((w[0] - w[1]).abs().sum().item<double>(), 0.1);
  EXPECT_GT((w[0][0] - w[0][1]).abs().sum().item<double>(), 0.1);
  EXPECT_LT(w.amax(-1).mean().item<double>(), 0.9);  // soft, not straight-through
}

TEST(Gumbel, GradientReachesLogits) {
  at::manual_seed(9);
  const at::Tensor logits = at::zeros({2, 4}).requires_grad_(true);
  const at::Tensor w = gumbel_softmax_weights(logits, 8, 0.5);
  const auto g = torch::autograd::grad({(w * at::arange(4).to(at::kFloat)).sum()}, {logits});
  EXPECT_GT(g[0].abs().sum().item<double>(), 0.0);
}

TEST(Gumbel, TemperatureSchedule) {
  EXPECT_DOUBLE_EQ(temperature_at(1.0, -0.016, 0), 1.0);
  EXPECT_NEAR(temperature_at(1.0, -0.016, 49), 0.216, 1e-12);
}
