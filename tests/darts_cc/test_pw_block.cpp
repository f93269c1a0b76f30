// The PW block (docs/methods.md, DARTS-CC): values at and between knots, uniform-grid segment choice
// with learned pivots in the weight, and gradients against finite differences.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include "hypernet.hpp"
#include "pw_block.hpp"

using nas::darts_cc::CellHypernet;
using nas::darts_cc::PiecewiseLinear;
using nas::darts_cc::PWLinear;

namespace {

// Knot k holds the constant (k+1)·10 plus a per-entry offset, so each knot is recognisable.
PiecewiseLinear make_block() {
  PiecewiseLinear pw(5, std::vector<int64_t>{2, 3});
  pw->to(at::kDouble);
  at::NoGradGuard g;
  const at::Tensor offs = at::arange(6, at::kDouble).view({2, 3});
  for (int64_t k = 0; k < 5; ++k) pw->knots()[k].copy_(offs + 10.0 * (k + 1));
  return pw;
}

double entry(const at::Tensor& t, int64_t r, int64_t c) { return t[r][c].item<double>(); }

}  // namespace

TEST(PiecewiseLinear, KnotValuesAtGridPoints) {
  auto pw = make_block();
  const double s = PiecewiseLinear::Impl::kShrink;
  // λ̃ = 0: segment 0, d = 1 → knot 0 exactly.
  EXPECT_DOUBLE_EQ(entry(pw->forward(0.0), 1, 2), 10.0 + 5.0);
  // λ̃ = 1 stays in the last segment (shrink): d = (1 − s)/0.25, almost knot 4.
  const double d_end = (1.0 - s) / 0.25;
  EXPECT_EQ(pw->segment(1.0).i, 3);
  EXPECT_NEAR(entry(pw->forward(1.0), 0, 1), d_end * 41.0 + (1 - d_end) * 51.0, 1e-9);
  EXPECT_NEAR(entry(pw->forward(1.0), 0, 1), 51.0, 1e-3);
  // λ̃ = 0.5: 0.5·s just below the grid point 0.5 → segment 1 with d ≈ 0 → knot 2.
  EXPECT_EQ(pw->segment(0.5).i, 1);
  EXPECT_NEAR(entry(pw->forward(0.5), 0, 0), 30.0, 1e-3);
}

TEST(PiecewiseLinear, LinearBetweenKnots) {
  auto pw = make_block();
  const double l = PiecewiseLinear::Impl::kShrink * 0.6;  // segment 2 = [0.5, 0.75]
  const double d = (0.75 - l) / 0.25;
  EXPECT_EQ(pw->segment(0.6).i, 2);
  EXPECT_NEAR(entry(pw->forward(0.6), 1, 1), d * (30.0 + 4) + (1 - d) * (40.0 + 4), 1e-9);
}

TEST(PiecewiseLinear, SegmentFromGridWeightFromLearnedPivots) {
  auto pw = make_block();
  {
    at::NoGradGuard g;
    pw->pivots().copy_(at::tensor({0.0, 0.1, 0.5, 0.75, 1.0}, at::kDouble));
  }
  // λ̃ = 0.3: the uniform grid says segment 1 (0.25..0.5) although the learned pivots
  // would put 0.3 there too; weight d uses pivots 0.1 and 0.5.
  const double l = PiecewiseLinear::Impl::kShrink * 0.3;
  const double d = (0.5 - l) / (0.5 - 0.1);
  EXPECT_EQ(pw->segment(0.3).i, 1);
  EXPECT_NEAR(pw->segment(0.3).d.item<double>(), d, 1e-12);
  // Drifted pivots: λ̃ = 0.4 is in grid segment 1, but the learned pivots [0.25, 0.3]
  // lie left of it → d < 0: the block extrapolates (as the authors' code does).
  {
    at::NoGradGuard g;
    pw->pivots().copy_(at::tensor({0.0, 0.25, 0.3, 0.75, 1.0}, at::kDouble));
  }
  const double l2 = PiecewiseLinear::Impl::kShrink * 0.4;
  const double d2 = (0.3 - l2) / (0.3 - 0.25);
  EXPECT_LT(d2, 0.0);
  EXPECT_NEAR(entry(pw->forward(0.4), 0, 0), d2 * 20.0 + (1 - d2) * 30.0, 1e-9);
}

TEST(PiecewiseLinear, GradientsMatchFiniteDifferences) {
  auto pw = make_block();
  {
    at::NoGradGuard g;
    pw->pivots().copy_(at::tensor({0.0, 0.2, 0.55, 0.7, 1.0}, at::kDouble));
  }
  const at::Tensor probe = at::linspace(-1.0, 2.0, 6, at::kDouble).view({2, 3});
  for (double lt : {0.0, 0.1, 0.25, 0.6, 0.9, 1.0}) {
    auto loss_fn = [&] { return (pw->forward(lt) * probe).sum(); };
    const auto grads = torch::autograd::grad({loss_fn()}, {pw->knots(), pw->pivots()});
    for (int which = 0; which < 2; ++which) {
      at::Tensor param = which == 0 ? pw->knots() : pw->pivots();
      at::Tensor flat = param.detach().view({-1});
      const at::Tensor g = grads[which].reshape({-1});
      for (int64_t i = 0; i < flat.numel(); ++i) {
        const double h = 1e-6, orig = flat[i].item<double>();
        double up, down;
        {
          at::NoGradGuard ng;
          flat[i].fill_(orig + h);
          up = loss_fn().item<double>();
          flat[i].fill_(orig - h);
          down = loss_fn().item<double>();
          flat[i].fill_(orig);
        }
        EXPECT_NEAR(g[i].item<double>(), (up - down) / (2 * h), 1e-5)
            << "λ̃ " << lt << (which == 0 ? " knot entry " : " pivot ") << i;
      }
    }
    // Only the two knots of the active segment get gradient.
    const int64_t seg = pw->segment(lt).i;
    for (int64_t k = 0; k < 5; ++k)
      if (k != seg && k != seg + 1) EXPECT_EQ(grads[0][k].abs().sum().item<double>(), 0.0);
  }
}

TEST(CellHypernet, ShapesAndInitBounds) {
  at::manual_seed(0);
  CellHypernet h(4, 8, 5);
  const auto a = h->forward(0.37);
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{14, 8}));
  const double bounds[] = {0.25, 1.0 / std::sqrt(24.0), 1.0 / std::sqrt(32.0), 1.0 / std::sqrt(40.0)};
  for (int64_t i = 0; i < 4; ++i) {
    const auto& knots = h->block(i)->knots();
    EXPECT_EQ(knots.sizes(), (std::vector<int64_t>{5, 1, (i + 2) * 8}));
    EXPECT_LE(knots.abs().max().item<double>(), bounds[i]);
    EXPECT_GT(knots.abs().max().item<double>(), 0.8 * bounds[i]);  // really drawn, not zero
  }
  // Knots are independent draws.
  EXPECT_GT((h->block(0)->knots()[0] - h->block(0)->knots()[1]).abs().sum().item<double>(), 0.1);
  // Row layout: node 1's block fills rows 2..4.
  const auto node1 = h->block(1)->forward(0.37).view({3, 8});
  EXPECT_TRUE(at::allclose(a.slice(0, 2, 5), node1));
}

TEST(PWLinear, LogitsAreAffineInFeaturesAtLambda) {
  at::manual_seed(1);
  PWLinear head(6, 10, 5);
  EXPECT_LE(head->weight->knots().abs().max().item<double>(), 1.0 / std::sqrt(10.0));
  const at::Tensor x = at::randn({3, 6});
  const at::Tensor y = head->forward(x, 0.4);
  const at::Tensor ref = at::matmul(x, head->weight->forward(0.4)) + head->bias->forward(0.4);
  EXPECT_TRUE(at::allclose(y, ref, 1e-5, 1e-6));
  EXPECT_FALSE(at::allclose(head->forward(x, 0.0), head->forward(x, 1.0)));
}

// λ̃ as a 0-dim tensor (a captured step's input): the segment looked up on the device gives the
// number's values and gradients, also where pivots drifted and at the segment borders.
TEST(PiecewiseLinear, TensorLambdaEqualsNumberLambda) {
  torch::manual_seed(2);
  PiecewiseLinear a(5, std::vector<int64_t>{2, 3}), b(5, std::vector<int64_t>{2, 3});
  a->init_normal(1.0);
  {
    at::NoGradGuard ng;
    b->knots().copy_(a->knots());
    a->pivots().add_(at::randn({5}) * 0.03);  // drifted pivots
    b->pivots().copy_(a->pivots());
  }
  for (const double lt : {0.0, 0.1, 0.25, 0.5, 0.7501, 0.999, 1.0}) {
    for (auto* m : {&a, &b}) {
      (*m)->knots().mutable_grad() = at::Tensor();
      (*m)->pivots().mutable_grad() = at::Tensor();
    }
    const at::Tensor ya = a->forward(lt), yb = b->forward(at::scalar_tensor(lt, at::kDouble));
    EXPECT_TRUE(at::equal(ya, yb)) << lt;
    const at::Tensor w = at::randn_like(ya);
    (ya * w).sum().backward();
    (yb * w).sum().backward();
    EXPECT_TRUE(at::equal(a->knots().grad(), b->knots().grad())) << lt;
    EXPECT_TRUE(at::allclose(a->pivots().grad(), b->pivots().grad(), 1e-6, 1e-7)) << lt;
  }
}
