// The shared RNN's fused recurrence (one autograd node per sequence) against the per-op path
// in float64: logits, next hidden state and every parameter's gradient, in training mode
// (dropout drawn identically) and without grad; and the batched timestep BatchNorm against
// one BatchNorm call per timestep.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>

#include "enas_rnn_ops.hpp"
#include "enas_test_util.hpp"
#include "nashost/support/aten_op_count.hpp"
#include "rnn/rnn_dag.hpp"
#include "rnn/shared_rnn.hpp"
#include "rnn/timestep_batch_norm.hpp"

using namespace nas::enas;

namespace {

constexpr int64_t kVocab = 40, kHidden = 12, kSteps = 6, kBatch = 3;

SharedRnnConfig config(int blocks, double max_hidden_norm = 25.0) {
  SharedRnnConfig c;
  c.vocab = kVocab;
  c.embed = c.hidden = kHidden;
  c.num_blocks = blocks;
  c.init_range = 0.4;  // weights large enough that every activation bends and the norm clamp bites
  c.max_hidden_norm = max_hidden_norm;
  return c;
}

struct Pass {
  at::Tensor logits, hidden;
  std::map<std::string, at::Tensor> grads;
};

/// One forward (seeded, so dropout draws the same masks) and a backward of a loss that reaches
/// both outputs: the logits and the next hidden state.
Pass run(SharedRnnImpl& m, bool fused, const Dag& dag, const at::Tensor& h0) {
  m.set_fused_recurrence(fused);
  m.zero_grad();
  at::manual_seed(7);
  const at::Tensor in = at::randint(kVocab, {kSteps, kBatch}, at::TensorOptions().dtype(at::kLong));
  const at::Tensor target = at::randint(kVocab, {kSteps * kBatch}, at::TensorOptions().dtype(at::kLong));
  auto out = m.forward(in, h0, dag);
  (at::cross_entropy_loss(out.logits, target) + 0.3 * out.hidden.pow(2).sum()).backward();
  Pass p{out.logits.detach(), out.hidden.detach(), {}};
  for (const auto& kv : m.named_parameters())
    if (kv.value().grad().defined()) p.grads[kv.key()] = kv.value().grad().clone();
  if (h0.requires_grad()) {
    p.grads["h0"] = h0.grad().clone();
    h0.mutable_grad().reset();
  }
  return p;
}

void expect_close(const at::Tensor& a, const at::Tensor& b, const std::string& what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = std::max(1.0, b.abs().max().item<double>());
  EXPECT_LE((a - b).abs().max().item<double>(), 1e-11 * scale) << what;
}

void expect_same_as_general(const Dag& dag, double max_hidden_norm, bool train) {
  EnasRnnOperationSet ops;
  SharedRnn m(config(static_cast<int>(dag.size()), max_hidden_norm), ops);
  m->to(at::kDouble);
  train ? m->train() : m->eval();
  at::manual_seed(3);
  const at::Tensor h0 = (at::randn({kBatch, kHidden}, at::kDouble) * 2).requires_grad_();
  const Pass fused = run(*m, true, dag, h0), general = run(*m, false, dag, h0);
  expect_close(fused.logits, general.logits, "logits");
  expect_close(fused.hidden, general.hidden, "hidden");
  ASSERT_EQ(fused.grads.size(), general.grads.size());
  for (const auto& [name, g] : general.grads) {
    ASSERT_TRUE(fused.grads.count(name)) << name;
    expect_close(fused.grads.at(name), g, name);
  }
  EXPECT_TRUE(fused.grads.count("h0"));
  EXPECT_TRUE(fused.grads.count("w_rec"));
}

using enas_test::dag5;

}  // namespace

TEST(EnasFusedRecurrence, SameValuesAndGradientsAsThePerOpPath) {
  expect_same_as_general(dag5(), 25.0, true);
  expect_same_as_general(dag5(), 25.0, false);
}

TEST(EnasFusedRecurrence, SameWhereTheHiddenNormClampBites) { expect_same_as_general(dag5(), 0.7, true); }

TEST(EnasFusedRecurrence, SameForOtherShapes) {
  expect_same_as_general({{"ReLU", -1}}, 25.0, true);                                    // one node
  expect_same_as_general(remove_node(dag5(), 3), 25.0, true);                            // a gap
  Dag star = {{"identity", -1}, {"tanh", 0}, {"ReLU", 0}, {"sigmoid", 0}, {"tanh", 0}};  // four siblings
  expect_same_as_general(star, 25.0, true);
  for (const auto& shape : {"chain", "tree"}) {
    const auto parents = fixed_parents(shape, 8);
    Dag d;
    for (int j = 0; j < 8; ++j) d.push_back({j % 2 ? "sigmoid" : "tanh", parents[static_cast<size_t>(j)]});
    expect_same_as_general(d, 25.0, true);
  }
}

TEST(EnasFusedRecurrence, WithoutGradModeTheSameForward) {
  EnasRnnOperationSet ops;
  SharedRnn m(config(5), ops);
  m->to(at::kDouble);
  m->eval();
  at::NoGradGuard no_grad;
  const at::Tensor in = at::randint(kVocab, {kSteps, kBatch}, at::TensorOptions().dtype(at::kLong));
  const at::Tensor h0 = at::randn({kBatch, kHidden}, at::kDouble);
  auto a = m->forward(in, h0, dag5());
  m->set_fused_recurrence(false);
  auto b = m->forward(in, h0, dag5());
  expect_close(a.logits, b.logits, "logits");
  expect_close(a.hidden, b.hidden, "hidden");
}

// What the fused path is for: far fewer ATen ops per step (a regression to the per-op path,
// e.g. a stock activation no longer recognised, fails here). A whole forward + backward,
// embedding, BatchNorm and decoder included: 1,287 against 2,328 ops when written.
TEST(EnasFusedRecurrence, FarFewerOpsThanThePerOpPath) {
  EnasRnnOperationSet ops;
  SharedRnn m(config(8), ops);
  m->train();
  const auto parents = fixed_parents("tree", 8);
  Dag d;
  for (int j = 0; j < 8; ++j) d.push_back({"tanh", parents[static_cast<size_t>(j)]});
  const at::Tensor in = at::randint(kVocab, {kSteps, kBatch}, at::TensorOptions().dtype(at::kLong));
  auto step = [&] {
    m->zero_grad();
    auto out = m->forward(in, m->init_hidden(kBatch), d);
    out.logits.sum().backward();
  };
  const int64_t fused = nas::count_aten_ops(step).total;
  m->set_fused_recurrence(false);
  const int64_t general = nas::count_aten_ops(step).total;
  EXPECT_LT(fused, 0.6 * static_cast<double>(general)) << "fused " << fused << " ops, per-op " << general;
}

namespace {
/// "tanh" that is not tanh: the fused path must not take it for the stock one.
class NotTanh final : public nas::Op {
 public:
  at::Tensor forward(const at::Tensor& x) override { return at::tanh(x) * 0.5; }
};
class OddOperationSet final : public nas::OperationSet {
 public:
  const std::vector<std::string>& ops() const override { return stock_.ops(); }
  std::shared_ptr<nas::Op> make(const std::string& op, const nas::OpArgs& args) const override {
    if (op == "tanh") return std::make_shared<NotTanh>();
    return stock_.make(op, args);
  }

 private:
  EnasRnnOperationSet stock_;
};
}  // namespace

TEST(EnasFusedRecurrence, AnOpThatOnlyBorrowsAStockNameRunsThePerOpPath) {
  OddOperationSet ops;
  SharedRnn m(config(5), ops);
  m->eval();
  at::NoGradGuard no_grad;
  const at::Tensor in = at::randint(kVocab, {kSteps, kBatch}, at::TensorOptions().dtype(at::kLong));
  const at::Tensor h0 = at::randn({kBatch, kHidden});
  auto a = m->forward(in, h0, dag5());
  m->set_fused_recurrence(false);
  EXPECT_TRUE(at::equal(a.logits, m->forward(in, h0, dag5()).logits));
  EXPECT_FALSE(RecurrencePlan::make(
      dag5(), ops.ops(), {std::nullopt, StockActivation::Relu, StockActivation::Identity, StockActivation::Sigmoid}));
}

TEST(EnasTimestepBatchNorm, SameAsOneBatchNormPerTimestep) {
  at::manual_seed(5);
  const at::Tensor x0 = at::randn({4, 7, 5}, at::kDouble) * 3 + 1;
  torch::nn::BatchNorm1d a(5), b(5);
  a->to(at::kDouble);
  b->to(at::kDouble);
  {
    at::NoGradGuard no_grad;
    for (auto* bn : {&a, &b}) {
      (*bn)->weight.copy_(at::linspace(0.5, 2.0, 5, at::kDouble));
      (*bn)->bias.copy_(at::linspace(-1.0, 1.0, 5, at::kDouble));
      (*bn)->running_mean.fill_(0.3);
      (*bn)->running_var.fill_(2.0);
    }
  }
  for (const bool train : {true, false}) {
    a->train(train);
    b->train(train);
    at::Tensor xa = x0.clone().requires_grad_(), xb = x0.clone().requires_grad_();
    const at::Tensor w = at::randn({4, 7, 5}, at::kDouble);
    at::Tensor ya = timestep_batch_norm(xa, *a);
    std::vector<at::Tensor> per_step;
    for (int64_t t = 0; t < 7; ++t) per_step.push_back(b->forward(xb.select(1, t)));
    at::Tensor yb = at::stack(per_step, 1);
    (ya * w).sum().backward();
    (yb * w).sum().backward();
    expect_close(ya, yb, "output");
    expect_close(xa.grad(), xb.grad(), "input gradient");
    expect_close(a->weight.grad(), b->weight.grad(), "weight gradient");
    expect_close(a->bias.grad(), b->bias.grad(), "bias gradient");
    expect_close(a->running_mean, b->running_mean, "running mean");
    expect_close(a->running_var, b->running_var, "running variance");
    EXPECT_EQ(a->num_batches_tracked.item<int64_t>(), b->num_batches_tracked.item<int64_t>());
  }
}
