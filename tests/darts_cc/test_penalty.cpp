// The expected-parameter-count penalty (docs/methods.md, DARTS-CC): per-op counts per cell width and
// stride, and the softmax-weighted sum over all cell instances, against hand numbers.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include "cell_layout.hpp"
#include "darts_cc_model.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "param_penalty.hpp"

using namespace nas::darts_cc;

namespace {
std::shared_ptr<nas::nn::DartsOperationSet> darts_ops() { return std::make_shared<nas::nn::DartsOperationSet>(); }
double cost(const at::Tensor& table, int64_t edge, const nas::OperationSet& ops, const std::string& op) {
  return table[edge][ops.index_of(op)].item<double>();
}
}  // namespace

TEST(Penalty, PerOpCountsMatchTheSpecTestVectors) {
  auto ops = darts_ops();
  // Edge 0 (node 0 from s0) is strided in a reduction cell; edge 2 (node 1 from s0) too;
  // edge 4 (node 1 from node 0) is not.
  const auto n16 = cell_param_costs(*ops, {false, 16}, 4);
  const auto r32 = cell_param_costs(*ops, {true, 32}, 4);
  const auto r64 = cell_param_costs(*ops, {true, 64}, 4);
  EXPECT_EQ(cost(n16, 0, *ops, "sep_conv_3x3"), 800);
  EXPECT_EQ(cost(n16, 0, *ops, "sep_conv_5x5"), 1312);
  EXPECT_EQ(cost(n16, 0, *ops, "dil_conv_3x3"), 400);
  EXPECT_EQ(cost(n16, 0, *ops, "dil_conv_5x5"), 656);
  EXPECT_EQ(cost(n16, 0, *ops, "skip_connect"), 0);
  for (const char* free_op : {"none", "max_pool_3x3", "avg_pool_3x3"}) EXPECT_EQ(cost(r64, 0, *ops, free_op), 0);
  EXPECT_EQ(cost(r32, 0, *ops, "skip_connect"), 1024);
  EXPECT_EQ(cost(r32, 4, *ops, "skip_connect"), 0);
  EXPECT_EQ(cost(r32, 2, *ops, "sep_conv_5x5"), 3648);
  EXPECT_EQ(cost(r64, 13, *ops, "sep_conv_3x3"), 9344);
  EXPECT_EQ(cost(r64, 1, *ops, "skip_connect"), 4096);
  EXPECT_EQ(cost(r64, 5, *ops, "dil_conv_5x5"), 5696);
}

TEST(Penalty, ExpectedCountEqualsHandComputationOnMiniNet) {
  auto ops = darts_ops();
  const auto cells = macro_cells(3, 16);  // N16, R32, R64
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_FALSE(cells[0].reduction);
  EXPECT_TRUE(cells[1].reduction && cells[2].reduction);
  const auto costs = build_param_costs(*ops, cells, 4);
  // Uniform α: every op has probability 1/8. Per edge the parametric ops sum to
  // C16: 800+1312+400+656 = 3168; C32: 9408 (+1024 skip on 8 strided edges);
  // C64: 31104 (+4096). 14·3168/8 + (8·10432 + 6·9408)/8 + (8·35200 + 6·31104)/8.
  const double by_hand = 14 * 3168 / 8.0 + (8 * 10432 + 6 * 9408) / 8.0 + (8 * 35200 + 6 * 31104) / 8.0;
  EXPECT_EQ(by_hand, 81560.0);
  const at::Tensor zero = at::zeros({14, 8}, at::kDouble);
  EXPECT_NEAR(expected_param_count(zero, zero, costs).item<double>(), by_hand, 1e-6);
  // All mass on sep_conv_5x5: the closed-form upper bound 14·1312 + 14·3648 + 14·11392.
  at::Tensor peaked = at::zeros({14, 8}, at::kDouble);
  peaked.select(1, ops->index_of("sep_conv_5x5")).fill_(60.0);
  EXPECT_NEAR(expected_param_count(peaked, peaked, costs).item<double>(), 228928.0, 1e-3);
  // Normal and reduce α act on their own cells only.
  EXPECT_NEAR(expected_param_count(peaked, zero, costs).item<double>(), 14 * 1312 + 17488.0 + 58528.0, 1e-3);
}

TEST(Penalty, GradientIsSoftmaxJacobianTimesCosts) {
  auto ops = darts_ops();
  const auto costs = build_param_costs(*ops, macro_cells(3, 16), 4);
  at::manual_seed(3);
  const at::Tensor a = at::randn({14, 8}, at::kDouble).requires_grad_(true);
  const at::Tensor b = at::randn({14, 8}, at::kDouble);
  const auto g = torch::autograd::grad({expected_param_count(a, b, costs)}, {a})[0];
  // d/dα_o Σ_k p_k N_k = p_o (N_o − Σ_k p_k N_k), row by row.
  const at::Tensor p = at::softmax(a.detach(), -1);
  const at::Tensor mean = (p * costs.normal).sum(-1, true);
  EXPECT_TRUE(at::allclose(g, p * (costs.normal - mean), 1e-9, 1e-9));
}

TEST(Penalty, ModelPenaltyUsesItsOwnCellsAndHypernets) {
  at::manual_seed(0);
  nas::nn::SearchNetworkOptions o;
  o.in_channels = 1;
  o.layers = 3;
  o.channels = 4;
  DartsCCModel model(o, LambdaRange(-8, -4), darts_ops());
  auto [an, ar] = model->alphas(0.3);
  const auto costs = build_param_costs(*darts_ops(), macro_cells(3, 4), 4);
  EXPECT_NEAR(model->expected_params(0.3).item<double>(),
              expected_param_count(an.to(at::kDouble), ar.to(at::kDouble), costs).item<double>(), 1e-2);
  // Gradient reaches the hypernets only.
  const auto pen = model->expected_params(0.3);
  const auto grads = torch::autograd::grad({pen}, model->arch_parameters(), {}, false, false, true);
  double total = 0;
  for (const auto& g : grads)
    if (g.defined()) total += g.abs().sum().item<double>();
  EXPECT_GT(total, 0.0);
}
