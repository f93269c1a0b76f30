// Architecture gradients vs numerical derivatives of the (unrolled) objective, float64.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "nashost/error.hpp"
#include "nashost/nn/bilevel.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/nn/step_graph.hpp"
#include "nashost/support/aten_op_count.hpp"

namespace {

struct Fixture {
  nas::nn::DartsSearchNetwork net{nullptr};
  at::Tensor an, ar, xt, yt, xv, yv;
  std::vector<at::Tensor> weights, momentum;

  Fixture() {
    torch::manual_seed(3);
    nas::nn::SearchNetworkOptions o;
    o.in_channels = 1;
    o.num_outputs = 3;
    o.channels = 2;
    o.layers = 3;
    o.nodes = 2;
    net = nas::nn::DartsSearchNetwork(o, std::make_shared<nas::nn::DartsOperationSet>());
    net->to(at::kDouble);
    net->train();
    const auto d = at::TensorOptions().dtype(at::kDouble);
    an = (0.5 * at::randn({net->num_edges(), net->num_ops()}, d)).requires_grad_(true);
    ar = (0.5 * at::randn({net->num_edges(), net->num_ops()}, d)).requires_grad_(true);
    xt = at::randn({6, 1, 8, 8}, d);
    xv = at::randn({6, 1, 8, 8}, d);
    yt = at::randint(3, {6}, at::kLong);
    yv = at::randint(3, {6}, at::kLong);
    weights = net->parameters();
    for (const auto& w : weights) momentum.push_back(0.3 * at::randn_like(w));
  }
  at::Tensor loss(const at::Tensor& x, const at::Tensor& y) {
    return at::cross_entropy_loss(net->forward(x, at::softmax(an, -1), at::softmax(ar, -1)), y);
  }
  nas::nn::BilevelProblem problem() {
    nas::nn::BilevelProblem p;
    p.weights = weights;
    p.arch = {an, ar};
    p.train_loss = [this] { return loss(xt, yt); };
    p.valid_loss = [this] { return loss(xv, yv); };
    p.momentum = momentum;
    p.buffers = net->buffers();
    return p;
  }
  /// L_val(w'(a), a) with w' = w − ξ(μm + ∇_w L_train(w, a) + λw); restores w.
  double unrolled(const nas::nn::BilevelOptions& o) {
    std::vector<at::Tensor> saved;
    for (const auto& w : weights) saved.push_back(w.detach().clone());
    const auto g = nas::nn::gradients(loss(xt, yt), weights);
    {
      at::NoGradGuard ng;
      for (size_t i = 0; i < weights.size(); ++i)
        weights[i].copy_(saved[i] - o.xi * (o.momentum * momentum[i] + g[i] + o.weight_decay * saved[i]));
    }
    at::NoGradGuard ng;
    const double v = loss(xv, yv).item<double>();
    for (size_t i = 0; i < weights.size(); ++i) weights[i].copy_(saved[i]);
    return v;
  }
  double numeric(at::Tensor& a, int64_t r, int64_t c, const std::function<double()>& f) {
    const double h = 1e-5;
    const double orig = a[r][c].item<double>();
    auto set = [&](double v) {
      at::NoGradGuard ng;
      a[r][c] = v;
    };
    set(orig + h);
    const double fp = f();
    set(orig - h);
    const double fm = f();
    set(orig);
    return (fp - fm) / (2 * h);
  }
};

const std::vector<std::array<int64_t, 2>> kEntries{{0, 1}, {1, 4}, {2, 3}, {3, 7}, {4, 2}, {4, 6}};

TEST(DartsBilevel, First_order_gradient_matches_numerical_derivative) {
  Fixture f;
  nas::nn::BilevelOptions o;
  o.second_order = false;
  const auto r = nas::nn::architecture_gradient(f.problem(), o);
  for (auto [row, col] : kEntries) {
    const double nn = f.numeric(f.an, row, col, [&] {
      at::NoGradGuard g;
      return f.loss(f.xv, f.yv).item<double>();
    });
    const double nr = f.numeric(f.ar, row, col, [&] {
      at::NoGradGuard g;
      return f.loss(f.xv, f.yv).item<double>();
    });
    EXPECT_NEAR(r.arch_grad[0][row][col].item<double>(), nn, 1e-7 + 1e-5 * std::abs(nn));
    EXPECT_NEAR(r.arch_grad[1][row][col].item<double>(), nr, 1e-7 + 1e-5 * std::abs(nr));
  }
}

TEST(DartsBilevel, Second_order_gradient_matches_derivative_of_unrolled_objective) {
  Fixture f;
  nas::nn::BilevelOptions o;
  o.second_order = true;
  o.xi = 0.5;  // large enough that the implicit term matters
  o.eps_scale = 1e-4;
  std::vector<at::Tensor> w0, b0;
  for (const auto& w : f.weights) w0.push_back(w.detach().clone());
  for (const auto& b : f.net->buffers()) b0.push_back(b.detach().clone());
  const auto r = nas::nn::architecture_gradient(f.problem(), o);
  // Weights and BN statistics come back bit-identical.
  for (size_t i = 0; i < w0.size(); ++i) ASSERT_TRUE(at::equal(w0[i], f.weights[i]));
  const auto buffers = f.net->buffers();
  for (size_t i = 0; i < b0.size(); ++i) ASSERT_TRUE(at::equal(b0[i], buffers[i]));

  nas::nn::BilevelOptions first = o;
  first.second_order = false;
  double max_implicit = 0;
  for (auto [row, col] : kEntries) {
    const double nn = f.numeric(f.an, row, col, [&] { return f.unrolled(o); });
    const double nr = f.numeric(f.ar, row, col, [&] { return f.unrolled(o); });
    EXPECT_NEAR(r.arch_grad[0][row][col].item<double>(), nn, 1e-6 + 1e-3 * std::abs(nn)) << row << "," << col;
    EXPECT_NEAR(r.arch_grad[1][row][col].item<double>(), nr, 1e-6 + 1e-3 * std::abs(nr)) << row << "," << col;
  }
  // The implicit term is not negligible here, so a first-order (or ε²-scaled, pt.darts #34)
  // gradient would fail the comparison above.
  const auto r1 = nas::nn::architecture_gradient(f.problem(), first);
  for (size_t i = 0; i < 2; ++i)
    max_implicit = std::max(max_implicit, (r.arch_grad[i] - r1.arch_grad[i]).abs().max().item<double>());
  EXPECT_GT(max_implicit, 1e-3);
}

// Weights, their snapshot and momentum buffers each in one buffer (as nn::zero_flat_grads and
// the flat SGD step leave them in darts and darts-cc): the virtual step and the Hessian probes
// run on the buffers; the same gradient as per tensor, and the weights come back bit-identical.
TEST(DartsBilevel, Second_order_step_on_flat_buffers_equals_the_per_tensor_one) {
  nas::nn::BilevelOptions o;
  o.second_order = true;
  o.xi = 0.5;
  o.momentum = 0.9;
  o.weight_decay = 3e-3;
  Fixture plain, flat;
  nas::nn::zero_flat_grads(flat.weights);
  {  // the momentum buffers in one buffer too
    std::vector<at::Tensor> rows;
    for (const auto& m : flat.momentum) rows.push_back(m.reshape({-1}));
    const at::Tensor all = at::cat(rows, 0);
    int64_t offset = 0;
    for (auto& m : flat.momentum) {
      m = all.narrow(0, offset, m.numel()).view(m.sizes());
      offset += m.numel();
    }
  }
  std::vector<at::Tensor> w0;
  for (const auto& w : flat.weights) w0.push_back(w.detach().clone());
  const auto ops_flat = nas::count_aten_ops([&] { nas::nn::architecture_gradient(flat.problem(), o); }).total;
  const auto ops_plain = nas::count_aten_ops([&] { nas::nn::architecture_gradient(plain.problem(), o); }).total;
  EXPECT_LT(ops_flat, ops_plain);
  const auto a = nas::nn::architecture_gradient(flat.problem(), o),
             b = nas::nn::architecture_gradient(plain.problem(), o);
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(at::allclose(a.arch_grad[i], b.arch_grad[i], 1e-9, 1e-11)) << i;
  for (size_t i = 0; i < w0.size(); ++i) ASSERT_TRUE(at::equal(w0[i], flat.weights[i])) << i;
}

TEST(DartsBilevel, Batch_norm_statistics_come_back_whole_storage_or_view_by_view) {
  // After a first training forward the edge batches' BN statistics are views of shared
  // buffers, saved and restored storage by storage; after a load replaced them, view by view.
  Fixture f;
  f.net->train();
  f.loss(f.xt, f.yt);  // builds the shared buffers (and moves the statistics once)
  for (const bool second : {false, true}) {
    std::vector<at::Tensor> b0;
    for (const auto& b : f.net->buffers()) b0.push_back(b.detach().clone());
    nas::nn::BilevelOptions o;
    o.second_order = second;
    nas::nn::architecture_gradient(f.problem(), o);
    const auto after = f.net->buffers();
    for (size_t i = 0; i < b0.size(); ++i) ASSERT_TRUE(at::equal(b0[i], after[i])) << "order " << (second ? 2 : 1);
  }
  // The statistics replaced by views of other shared storages, as loading a checkpoint does
  // (views saved together come back sharing a storage): the snapshot sees whole storages, the
  // step's first forward rebuilds the edge batches' own buffers, and the restore must reach
  // the buffers where they now live, not the storages they left.
  auto p = f.problem();
  {
    const at::NoGradGuard no_grad;
    for (const auto dtype : {at::kDouble, at::kFloat, at::kLong}) {
      std::vector<at::Tensor> of_kind;
      for (const auto& b : p.buffers)
        if (b.scalar_type() == dtype) of_kind.push_back(b);
      if (of_kind.empty()) continue;
      std::vector<at::Tensor> flat;
      for (const auto& b : of_kind) flat.push_back(b.detach().reshape({-1}));
      const at::Tensor all = at::cat(flat);
      int64_t offset = 0;
      for (auto& b : of_kind) {
        ASSERT_TRUE(b.is_contiguous());
        b.set_(all.storage(), offset, b.sizes(), b.strides());
        offset += b.numel();
      }
    }
  }
  std::vector<at::Tensor> b0;
  for (const auto& b : f.net->buffers()) b0.push_back(b.detach().clone());
  nas::nn::architecture_gradient(p, nas::nn::BilevelOptions{});
  const auto after = f.net->buffers();
  for (size_t i = 0; i < b0.size(); ++i) ASSERT_TRUE(at::equal(b0[i], after[i])) << "buffer " << i;
}

TEST(DartsBilevel, Nan_loss_names_the_step) {
  Fixture f;
  nas::nn::BilevelOptions o;
  o.where = "epoch 3/50, step 17/390";
  auto p = f.problem();
  p.train_loss = [] { return at::full({}, std::nan(""), at::kDouble); };
  try {
    nas::nn::architecture_gradient(p, o);
    FAIL() << "expected NumericError";
  } catch (const nas::NumericError& e) {
    EXPECT_NE(std::string(e.what()).find("virtual step"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(epoch 3/50, step 17/390)"), std::string::npos) << e.what();
  }
}

}  // namespace

// A graph-safe step (nashost/nn/step_graph.hpp: what a CUDA graph captures) reads no device
// value: ξ comes from a tensor, ε is computed on the device, the losses are returned for a
// check after the step. The same gradient as the ordinary step — on flat buffers and per
// tensor — with no host read at all, and the weights back bit-identical.
TEST(DartsBilevel, Graph_safe_step_equals_the_ordinary_one_and_reads_no_device_value) {
  for (const bool second_order : {false, true})
    for (const bool flat_layout : {false, true}) {
      SCOPED_TRACE(std::string(second_order ? "second" : "first") + " order, " + (flat_layout ? "flat" : "per tensor"));
      Fixture f;
      if (flat_layout) nas::nn::zero_flat_grads(f.weights);
      nas::nn::BilevelOptions o;
      o.second_order = second_order;
      o.xi = 0.5;
      o.momentum = 0.9;
      o.weight_decay = 3e-3;
      std::vector<at::Tensor> w0;
      for (const auto& w : f.weights) w0.push_back(w.detach().clone());
      const auto ordinary = nas::nn::architecture_gradient(f.problem(), o);
      nas::nn::BilevelOptions g = o;
      g.xi = 123.0;  // unused: ξ is read from the tensor
      g.xi_tensor = at::scalar_tensor(0.5, at::kDouble);
      nas::nn::BilevelResult safe;
      const auto ops = nas::count_aten_ops(
          [&] {
            const nas::nn::GraphSafeScope scope;
            safe = nas::nn::architecture_gradient(f.problem(), g);
          },
          /*by_name=*/true);
      EXPECT_EQ(ops.by_name.count("aten::_local_scalar_dense"), 0u);
      EXPECT_EQ(ops.by_name.count("aten::item"), 0u);
      for (size_t i = 0; i < 2; ++i)
        EXPECT_TRUE(at::allclose(safe.arch_grad[i], ordinary.arch_grad[i], 1e-9, 1e-11)) << i;
      for (size_t i = 0; i < w0.size(); ++i) ASSERT_TRUE(at::equal(w0[i], f.weights[i])) << i;
      // The losses of every pass: L_val (first order); L_train, L_val(w'), L_train(w ± εd).
      ASSERT_EQ(safe.pending_losses.size(), second_order ? 4u : 1u);
      EXPECT_NEAR(safe.pending_losses[second_order ? 1 : 0].second.item<double>(), ordinary.valid_loss, 1e-12);
      EXPECT_NO_THROW(nas::nn::check_finite_losses(safe.pending_losses, "step 1"));
    }
}

TEST(DartsBilevel, Graph_safe_step_defers_the_nan_check_to_check_finite_losses) {
  Fixture f;
  nas::nn::BilevelProblem p = f.problem();
  p.valid_loss = [&] { return f.loss(f.xv, f.yv) * std::nan(""); };
  nas::nn::BilevelOptions o;
  o.xi_tensor = at::scalar_tensor(0.1, at::kDouble);
  nas::nn::BilevelResult r;
  {
    const nas::nn::GraphSafeScope scope;
    EXPECT_NO_THROW(r = nas::nn::architecture_gradient(p, o));
  }
  try {
    nas::nn::check_finite_losses(r.pending_losses, "epoch 1/2, step 3/4");
    FAIL() << "a NaN loss passed";
  } catch (const nas::NumericError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("validation loss at the unrolled weights"), std::string::npos) << m;
    EXPECT_NE(m.find("epoch 1/2, step 3/4"), std::string::npos) << m;
  }
}
