// The controllers' kernels against what they replace: the fused LSTM cell step against
// torch::nn::LSTMCell (values and every gradient over a three-step unroll, float64), and the
// categorical draw against at::multinomial (the same samples from the same generator).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/nn/modules/rnn.h>

#include "common/categorical.hpp"
#include "common/fused_lstm_cell.hpp"
#include "nashost/error.hpp"

using namespace nas::enas;

namespace {
void expect_close(const at::Tensor& a, const at::Tensor& b, const std::string& what) {
  ASSERT_TRUE(a.defined() && b.defined()) << what;
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  EXPECT_LE((a - b).abs().max().item<double>(), 1e-12) << what;
}
}  // namespace

TEST(EnasControllerKernels, FusedLstmCellMatchesLstmCell) {
  torch::nn::LSTMCell cell(5, 7);
  cell->to(at::kDouble);
  {
    at::NoGradGuard no_grad;
    for (auto& p : cell->parameters()) p.uniform_(-0.8, 0.8);  // every gate away from its linear range
  }
  at::manual_seed(4);
  const at::Tensor xs = at::randn({3, 4, 5}, at::kDouble);
  const at::Tensor h0 = at::randn({4, 7}, at::kDouble).requires_grad_(),
                   c0 = at::randn({4, 7}, at::kDouble).requires_grad_();
  const at::Tensor w = at::randn({4, 7}, at::kDouble);
  auto unroll = [&](bool fused) {
    cell->zero_grad();
    h0.mutable_grad().reset();
    c0.mutable_grad().reset();
    at::Tensor h = h0, c = c0, loss = at::zeros({}, at::kDouble);
    for (int64_t t = 0; t < 3; ++t) {
      if (fused)
        std::tie(h, c) = lstm_cell_step(*cell, xs[t], h, c);
      else
        std::tie(h, c) = cell->forward(xs[t], std::make_tuple(h, c));
      loss = loss + (h * w).sum() + 0.5 * c.pow(2).sum();  // both outputs carry gradient
    }
    loss.backward();
    std::vector<at::Tensor> out{h.detach(), c.detach(), h0.grad().clone(), c0.grad().clone()};
    for (const auto& p : cell->parameters()) out.push_back(p.grad().clone());
    return out;
  };
  const auto fused = unroll(true), reference = unroll(false);
  const char* names[] = {"h",           "c", "h0 grad", "c0 grad", "weight_ih grad", "weight_hh grad", "bias_ih grad",
                         "bias_hh grad"};
  ASSERT_EQ(fused.size(), 8u);
  for (size_t i = 0; i < fused.size(); ++i) expect_close(fused[i], reference[i], names[i]);
  at::NoGradGuard no_grad;  // without grad mode: the same forward
  auto [h, c] = lstm_cell_step(*cell, xs[0], h0, c0);
  auto [rh, rc] = cell->forward(xs[0], std::make_tuple(h0, c0));
  expect_close(h, rh, "no-grad h");
  expect_close(c, rc, "no-grad c");
}

TEST(EnasControllerKernels, CategoricalDrawIsMultinomialsDraw) {
  for (const int64_t classes : {1, 2, 5, 12}) {
    at::manual_seed(11);
    const at::Tensor p = at::softmax(at::randn({64, classes}) * 3, -1);
    for (uint64_t seed : {0u, 1u, 99u}) {
      at::manual_seed(seed);
      const at::Tensor ours = sample_categorical(p);
      at::manual_seed(seed);
      const at::Tensor theirs = at::multinomial(p, 1).squeeze(1);
      EXPECT_TRUE(at::equal(ours, theirs)) << classes << " classes, seed " << seed;
    }
  }
}

TEST(EnasControllerKernels, NonFiniteLogProbabilitiesAreRefusedByName) {
  EXPECT_NO_THROW(check_finite_log_probs(at::log(at::full({2, 3}, 0.5)), "x"));
  try {
    check_finite_log_probs(at::tensor({-0.1, std::nan("")}), "enas-rnn controller");
    FAIL() << "no error";
  } catch (const nas::Error& e) {
    EXPECT_NE(std::string(e.what()).find("enas-rnn controller"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("controller_lr"), std::string::npos) << e.what();
  }
}
