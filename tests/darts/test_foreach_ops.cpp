// The multi-tensor updates (nashost/nn/foreach_ops.hpp) against LibTorch's own SGD::step and
// clip_grad_norm_: the same numbers, and optimiser state that either can continue from.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "nashost/error.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/support/aten_op_count.hpp"

namespace {

/// The first `count` of four parameters of different shapes, random from `seed`.
std::vector<at::Tensor> make_params(int seed, at::ScalarType dtype = at::kDouble, size_t count = 4) {
  torch::manual_seed(seed);
  const std::vector<std::vector<int64_t>> shapes{{3, 4}, {5}, {2, 2, 3}, {7}};
  std::vector<at::Tensor> ps;
  for (size_t i = 0; i < count; ++i) ps.push_back(at::randn(shapes[i], dtype).requires_grad_(true));
  return ps;
}

void set_grads(std::vector<at::Tensor>& ps, int step, bool skip_one) {
  for (size_t i = 0; i < ps.size(); ++i) {
    if (skip_one && i == 1) {
      ps[i].mutable_grad() = at::Tensor();  // a parameter without a gradient is left alone
      continue;
    }
    at::manual_seed(100 * step + static_cast<int>(i));
    ps[i].mutable_grad() = at::randn_like(ps[i]) * (step + 1);
  }
}

void expect_close(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(at::allclose(a[i], b[i], 1e-12, 1e-14)) << i;
}

TEST(ForeachOps, Sgd_step_matches_torch_optim_sgd) {
  for (bool nesterov : {false, true}) {
    auto a = make_params(1), b = make_params(1);
    auto opts = torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(3e-4).nesterov(nesterov);
    if (!nesterov) opts.dampening(0.1);
    torch::optim::SGD ours(a, opts), theirs(b, opts);
    for (int step = 0; step < 4; ++step) {
      set_grads(a, step, step == 1);
      set_grads(b, step, step == 1);
      nas::nn::sgd_step(ours);
      theirs.step();
      expect_close(a, b);
    }
    // The state is LibTorch's: its own step continues from our momentum buffers.
    set_grads(a, 9, false);
    set_grads(b, 9, false);
    ours.step();
    theirs.step();
    expect_close(a, b);
  }
}

TEST(ForeachOps, Sgd_step_in_float32_is_bit_identical_to_torch_optim_sgd) {
  // On the CPU the momentum factor is applied as a 0-dim tensor of the buffers' type (fewer
  // ATen ops than a number): the products must still be LibTorch's to the last bit.
  auto a = make_params(5, at::kFloat, 3), b = make_params(5, at::kFloat, 3);
  const auto opts = torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(3e-4);
  torch::optim::SGD ours(a, opts), theirs(b, opts);
  for (int step = 0; step < 4; ++step) {
    for (auto* ps : {&a, &b})
      for (size_t i = 0; i < ps->size(); ++i) {
        at::manual_seed(10 * step + static_cast<int>(i));
        (*ps)[i].mutable_grad() = at::randn_like((*ps)[i]);
      }
    nas::nn::sgd_step(ours);
    theirs.step();
    for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(at::equal(a[i], b[i])) << "step " << step << ", tensor " << i;
  }
}

TEST(ForeachOps, Adam_step_matches_torch_optim_adam) {
  for (bool amsgrad : {false, true}) {
    auto a = make_params(3), b = make_params(3);
    const auto opts = torch::optim::AdamOptions(0.05).betas({0.8, 0.95}).eps(1e-6).weight_decay(1e-2).amsgrad(amsgrad);
    torch::optim::Adam ours(a, opts), theirs(b, opts);
    for (int step = 0; step < 5; ++step) {
      set_grads(a, step, step == 1);  // step 1: one parameter has no gradient and no step
      set_grads(b, step, step == 1);
      nas::nn::adam_step(ours);
      theirs.step();
      expect_close(a, b);
    }
    // The state is LibTorch's (moments and the per-parameter step counts): its own step
    // continues from ours, and ours from its.
    for (int step : {7, 8}) {
      set_grads(a, step, false);
      set_grads(b, step, false);
      if (step == 7)
        ours.step();
      else
        nas::nn::adam_step(ours);
      theirs.step();
      expect_close(a, b);
    }
    const auto& st = static_cast<const torch::optim::AdamParamState&>(*ours.state().at(a[1].unsafeGetTensorImpl()));
    EXPECT_EQ(st.step(), 6);
  }
}

TEST(ForeachOps, Optimizer_step_runs_adam_in_one_fused_op) {
  auto a = make_params(6);
  torch::optim::Adam adam(a, torch::optim::AdamOptions(0.1));
  set_grads(a, 0, false);
  const auto before = nas::nn::clone_all(a);
  const auto ops = nas::count_aten_ops([&] { nas::nn::optimizer_step(adam); }, true);
  EXPECT_EQ(ops.by_name.count("aten::_fused_adam_") ? ops.by_name.at("aten::_fused_adam_") : 0, 1);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_FALSE(at::equal(a[i], before[i])) << i;
  EXPECT_EQ(static_cast<const torch::optim::AdamParamState&>(*adam.state().at(a[0].unsafeGetTensorImpl())).step(), 1);
}

TEST(ForeachOps, Clip_grad_norm_within_the_bound_leaves_gradients_bit_identical) {
  auto a = make_params(4);
  set_grads(a, 0, false);
  std::vector<at::Tensor> before;
  for (const auto& p : a) before.push_back(p.grad().clone());
  nas::nn::clip_grad_norm(a, 1e6);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(at::equal(a[i].grad(), before[i])) << i;
}

TEST(ForeachOps, Clip_grad_norm_matches_libtorch) {
  for (double max_norm : {0.5, 1e6}) {  // clipping and not clipping
    auto a = make_params(2), b = make_params(2);
    set_grads(a, 3, true);
    set_grads(b, 3, true);
    const at::Tensor total = nas::nn::clip_grad_norm(a, max_norm);
    const double expected = torch::nn::utils::clip_grad_norm_(b, max_norm);
    EXPECT_NEAR(total.item<double>(), expected, 1e-12);
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].grad().defined(), b[i].grad().defined());
      if (a[i].grad().defined()) EXPECT_TRUE(at::allclose(a[i].grad(), b[i].grad(), 1e-12, 1e-14));
    }
  }
  EXPECT_FALSE(nas::nn::clip_grad_norm({at::zeros({2}).requires_grad_(true)}, 1.0).defined());
}

TEST(ForeachOps, Copy_clone_and_norm_over_mixed_dtypes) {
  std::vector<at::Tensor> src{at::randn({4}), at::arange(3, at::kLong), at::randn({2, 2}, at::kDouble),
                              at::randn({6}).narrow(0, 2, 3)};
  const auto snap = nas::nn::clone_all(src);
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_EQ(snap[i].scalar_type(), src[i].scalar_type());
    EXPECT_TRUE(at::equal(snap[i], src[i]));
    EXPECT_NE(snap[i].data_ptr(), src[i].data_ptr());
  }
  std::vector<at::Tensor> dst;
  for (const auto& t : src) dst.push_back(at::zeros_like(t));
  nas::nn::copy_all(dst, src);
  for (size_t i = 0; i < src.size(); ++i) EXPECT_TRUE(at::equal(dst[i], src[i]));
  const std::vector<at::Tensor> fl{src[0], src[3]};
  const double expected = std::sqrt(src[0].pow(2).sum().item<double>() + src[3].pow(2).sum().item<double>());
  EXPECT_NEAR(nas::nn::global_norm(fl).item<double>(), expected, 1e-5);
}

}  // namespace

// zero_flat_grads: one buffer for the parameters and one for their gradients; the whole-list
// updates then run on the buffers, with the per-tensor path's numbers to the bit.
TEST(ForeachOps, Flat_parameters_keep_their_identity_values_and_gradients) {
  auto a = make_params(7);
  std::vector<at::Tensor> before, impls;
  for (const auto& p : a) before.push_back(p.detach().clone());
  nas::nn::zero_flat_grads(a);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(at::equal(a[i], before[i])) << i;
    EXPECT_TRUE(a[i].is_leaf() && a[i].requires_grad()) << i;
    EXPECT_TRUE(a[i].grad().defined() && a[i].grad().abs().sum().item<double>() == 0.0) << i;
    EXPECT_TRUE(a[i].is_alias_of(a[0])) << i;  // one storage
  }
  // autograd accumulates into the views; the next call only zeroes the buffer
  (a[0].sum() * 2 + a[2].pow(2).sum()).backward();
  EXPECT_TRUE(at::equal(a[0].grad(), at::full_like(a[0], 2.0)));
  EXPECT_TRUE(a[0].grad().is_alias_of(a[3].grad()));
  const auto ops = nas::count_aten_ops([&] { nas::nn::zero_flat_grads(a); }, true);
  EXPECT_EQ(ops.by_name.count("aten::zero_") ? ops.by_name.at("aten::zero_") : 0, 1);
  EXPECT_EQ(a[0].grad().abs().sum().item<double>(), 0.0);
  // something replaced a parameter's data (as a checkpoint load does): laid out again
  {
    at::NoGradGuard ng;
    a[1].set_(at::full_like(a[1], 3.0));
  }
  nas::nn::zero_flat_grads(a);
  EXPECT_TRUE(a[1].is_alias_of(a[0]));
  EXPECT_TRUE(at::equal(a[1], at::full_like(a[1], 3.0)));
  const std::vector<at::Tensor> mixed{at::zeros({2}), at::zeros({2}, at::kDouble)};
  EXPECT_THROW(nas::nn::zero_flat_grads(mixed), nas::Error);
}

TEST(ForeachOps, Flat_sgd_clip_and_copies_match_the_per_tensor_path) {
  for (bool nesterov : {false, true}) {
    auto flat = make_params(8, at::kFloat), plain = make_params(8, at::kFloat);
    auto opts = torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(3e-4).nesterov(nesterov);
    if (!nesterov) opts.dampening(0.1);
    torch::optim::SGD f_opt(flat, opts), p_opt(plain, opts);
    for (int step = 0; step < 4; ++step) {
      nas::nn::zero_flat_grads(flat);
      p_opt.zero_grad();
      for (auto* ps : {&flat, &plain}) {
        at::manual_seed(step);
        at::Tensor loss = at::zeros({});
        for (const auto& p : *ps) loss = loss + (p * at::randn_like(p)).sum() * (step + 1);
        loss.backward();
      }
      const at::Tensor nf = nas::nn::clip_grad_norm(flat, 1.5), np = nas::nn::clip_grad_norm(plain, 1.5);
      EXPECT_NEAR(nf.item<double>(), np.item<double>(), 1e-5 * np.item<double>());
      if (step == 2) {  // momentum buffers with storages of their own (as after loading a checkpoint)
        for (const auto& p : flat) {
          auto& st = static_cast<torch::optim::SGDParamState&>(*f_opt.state().at(p.unsafeGetTensorImpl()));
          st.momentum_buffer(st.momentum_buffer().clone());
        }
      }
      nas::nn::sgd_step(f_opt);
      nas::nn::sgd_step(p_opt);
      for (size_t i = 0; i < flat.size(); ++i)
        EXPECT_TRUE(at::allclose(flat[i], plain[i], 1e-6, 1e-7)) << "step " << step << ", tensor " << i;
    }
    const auto copies = nas::nn::clone_all(flat);
    for (size_t i = 0; i < flat.size(); ++i) EXPECT_TRUE(at::equal(copies[i], flat[i])) << i;
    EXPECT_TRUE(copies[1].is_alias_of(copies[0]));
    nas::nn::copy_all(flat, plain);
    for (size_t i = 0; i < flat.size(); ++i) EXPECT_TRUE(at::equal(flat[i], plain[i])) << i;
  }
}

TEST(ForeachOps, Flat_sgd_step_is_the_per_tensor_arithmetic_to_the_bit) {
  // The same gradients in both (no clipping, whose norm is summed in another order): the
  // update terms are the same elementwise ops on the same numbers.
  auto flat = make_params(9, at::kFloat, 3), plain = make_params(9, at::kFloat, 3);
  const auto opts = torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(3e-4);
  torch::optim::SGD f_opt(flat, opts), p_opt(plain, opts);
  for (int step = 0; step < 3; ++step) {
    nas::nn::zero_flat_grads(flat);
    for (size_t i = 0; i < flat.size(); ++i) {
      at::manual_seed(10 * step + static_cast<int>(i));
      const at::Tensor g = at::randn_like(flat[i]);
      flat[i].mutable_grad().copy_(g);
      plain[i].mutable_grad() = g.clone();
    }
    const auto ops = nas::count_aten_ops([&] { nas::nn::sgd_step(f_opt); }).total;
    nas::nn::sgd_step(p_opt);
    if (step > 0) EXPECT_LT(ops, 15) << "the flat step is a few ops on the buffers";
    for (size_t i = 0; i < flat.size(); ++i)
      ASSERT_TRUE(at::equal(flat[i], plain[i])) << "step " << step << ", tensor " << i;
  }
}

// The graph-safe forms (nashost/nn/step_graph.hpp): the learning rate and Adam's step number
// read from device tensors (inputs of a captured step) give the same updates as the numbers.
TEST(ForeachOps, Sgd_step_with_a_tensor_learning_rate_equals_the_options_rate) {
  for (const bool flat_layout : {false, true}) {
    auto a = make_params(12), b = make_params(12);
    const auto opts = torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(3e-4);
    torch::optim::SGD ta(a, opts), tb(b, opts);
    for (int step = 0; step < 4; ++step) {
      const double lr = 0.1 / (step + 1);  // a schedule: one tensor, refilled per step
      if (flat_layout) nas::nn::zero_flat_grads(a);
      set_grads(a, step, false);
      set_grads(b, step, false);
      static_cast<torch::optim::SGDOptions&>(tb.param_groups()[0].options()).lr(lr);
      nas::nn::sgd_step(ta, at::scalar_tensor(lr, at::kDouble));
      nas::nn::sgd_step(tb);
      expect_close(a, b);
    }
  }
}

TEST(ForeachOps, Adam_step_with_a_step_number_tensor_equals_the_counted_one) {
  auto a = make_params(13), b = make_params(13);
  const auto opts = torch::optim::AdamOptions(0.05).betas({0.5, 0.999}).weight_decay(1e-3);
  torch::optim::Adam ta(a, opts), tb(b, opts);
  for (int step = 0; step < 4; ++step) {
    set_grads(a, step, false);
    set_grads(b, step, false);
    EXPECT_EQ(nas::nn::next_adam_step(ta), step + 1);
    nas::nn::adam_step(ta, at::scalar_tensor(static_cast<double>(nas::nn::next_adam_step(ta)), at::kFloat));
    nas::nn::adam_step(tb);
    expect_close(a, b);
  }
  // A replayed step runs no host code: count_adam_step advances the counters as adam_step would.
  nas::nn::count_adam_step(ta);
  EXPECT_EQ(nas::nn::next_adam_step(ta), 6);
  // Parameters at different steps have no one step number.
  set_grads(a, 9, /*skip_one=*/true);
  nas::nn::adam_step(ta);
  EXPECT_THROW(nas::nn::next_adam_step(ta), nas::Error);
  set_grads(a, 10, false);
  EXPECT_THROW(nas::nn::adam_step(ta, at::scalar_tensor(7.0, at::kFloat)), nas::Error);
}
