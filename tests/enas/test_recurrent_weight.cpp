// nn::RecurrentWeight: a weight used at every timestep gets the gradient autograd would give
// it (float64), together with every other gradient, also with two such weights interleaved,
// a second backward over a retained graph, and without grad mode.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "nashost/nn/recurrent_weight.hpp"

namespace {

struct Grads {
  at::Tensor loss, dw, dv, dx, dh0;
};

// h_{t+1} = tanh(x_t + h_t·Wᵀ) + 0.5·sigmoid(h_t·Vᵀ); loss = Σ_t ‖h_t‖² weighted by t.
template <class Use>
Grads run(const at::Tensor& w0, const at::Tensor& v0, const at::Tensor& x0, const at::Tensor& h00, Use make_use,
          int backward_passes = 1) {
  auto w = w0.detach().requires_grad_(true), v = v0.detach().requires_grad_(true);
  auto x = x0.detach().requires_grad_(true), h0 = h00.detach().requires_grad_(true);
  auto use_w = make_use(w);
  auto use_v = make_use(v);
  at::Tensor h = h0, loss = at::zeros({}, at::kDouble);
  for (int64_t t = 0; t < x.size(0); ++t) {
    h = at::tanh(x[t] + use_w(h)) + 0.5 * at::sigmoid(use_v(h));
    loss = loss + static_cast<double>(t + 1) * h.pow(2).sum();
  }
  for (int i = 0; i < backward_passes; ++i) loss.backward({}, /*retain_graph=*/i + 1 < backward_passes);
  return {loss.detach(), w.grad(), v.grad(), x.grad(), h0.grad()};
}

auto plain = [](const at::Tensor& w) { return [w](const at::Tensor& h) { return h.mm(w.t()); }; };
auto deferred = [](const at::Tensor& w) {
  auto r = std::make_shared<nas::nn::RecurrentWeight>(w);
  return [r](const at::Tensor& h) { return r->apply(h); };
};

void expect_close(const Grads& a, const Grads& b) {
  EXPECT_TRUE(at::allclose(a.loss, b.loss, 1e-12, 1e-12));
  EXPECT_TRUE(at::allclose(a.dw, b.dw, 1e-10, 1e-12)) << (a.dw - b.dw).abs().max();
  EXPECT_TRUE(at::allclose(a.dv, b.dv, 1e-10, 1e-12)) << (a.dv - b.dv).abs().max();
  EXPECT_TRUE(at::allclose(a.dx, b.dx, 1e-10, 1e-12));
  EXPECT_TRUE(at::allclose(a.dh0, b.dh0, 1e-10, 1e-12));
}

TEST(RecurrentWeight, Same_gradients_as_one_matmul_per_timestep) {
  at::manual_seed(7);
  const auto w = at::randn({5, 5}, at::kDouble) * 0.4, v = at::randn({5, 5}, at::kDouble) * 0.4;
  const auto x = at::randn({9, 3, 5}, at::kDouble), h0 = at::randn({3, 5}, at::kDouble);
  const Grads a = run(w, v, x, h0, plain), b = run(w, v, x, h0, deferred);
  ASSERT_TRUE(b.dw.defined()) << "the weight got no gradient";
  expect_close(a, b);
  // A second backward over the retained graph accumulates the same gradient again.
  expect_close(run(w, v, x, h0, plain, 2), run(w, v, x, h0, deferred, 2));
}

TEST(RecurrentWeight, Without_grad_mode_it_is_a_plain_matmul) {
  at::manual_seed(8);
  const auto w = at::randn({4, 3}, at::kDouble).requires_grad_(true);
  const auto x = at::randn({2, 3}, at::kDouble);
  torch::autograd::GradMode::set_enabled(false);
  const nas::nn::RecurrentWeight r(w);
  const at::Tensor y = r.apply(x);
  torch::autograd::GradMode::set_enabled(true);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(at::allclose(y, x.mm(w.detach().t())));
}

}  // namespace
