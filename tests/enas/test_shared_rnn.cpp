// Shared RNN: shapes, parameter count, unused nodes ignored, DAG-only models.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "rnn/rnn_dag.hpp"
#include "enas_rnn_ops.hpp"
#include "enas_test_util.hpp"
#include "nashost/error.hpp"
#include "rnn/shared_rnn.hpp"

using namespace nas::enas;

namespace {
SharedRnnConfig small(int blocks = 5) {
  SharedRnnConfig c;
  c.vocab = 50;
  c.embed = c.hidden = 16;
  c.num_blocks = blocks;
  return c;
}
using enas_test::dag5;
}  // namespace

TEST(EnasSharedRnn, ShapesAndParameterCount) {
  EnasRnnOperationSet ops;
  SharedRnn m(small(), ops);
  const int64_t h = 16, v = 50;
  // tied embedding, W_x (+bias), W_rec, 10 pairs x (W^c, W^h), BN (weight, bias), decoder bias
  EXPECT_EQ(nas::count_parameters(*m), v * h + 2 * h * h + 2 * h + 2 * h * h + 10 * 2 * h * h + 2 * h + v);
  at::Tensor in = at::randint(v, {7, 3}, at::TensorOptions().dtype(at::kLong));
  auto out = m->forward(in, m->init_hidden(3), dag5());
  EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{21, v}));
  EXPECT_EQ(out.hidden.sizes(), (std::vector<int64_t>{3, h}));
  EXPECT_EQ(m->dag_param_count(dag5()), v * h + 4 * h * h + 2 * h + 4 * 2 * h * h + 2 * h + v);
}

TEST(EnasSharedRnn, PaperSizeParameterCount) {
  // carpedm20 issue #25 log: 146,014,000 parameters on PTB (vocab 10000, 1000 units, 12 nodes).
  // Our count: 10M tied embedding + 2M input (+2000 bias) + 2M recurrent + 132M edges + BN 2000 + bias 10000.
  EnasRnnOperationSet ops;
  SharedRnnConfig c;
  c.vocab = 10000;
  const int64_t h = 1000;
  const int64_t expected = 10000 * h + 2 * h * h + 2 * h + 2 * h * h + 66 * 2 * h * h + 2 * h + 10000;
  EXPECT_EQ(expected, 146014000);
  // Building the full model takes 584 MB; count through a single-DAG model instead and add the rest.
  SharedRnn m(c, ops, std::vector<Edge>{{0, 1}});
  EXPECT_EQ(nas::count_parameters(*m) + 65 * 2 * h * h, expected);
}

TEST(EnasSharedRnn, UnusedNodeWeightsDoNotChangeTheOutput) {
  at::manual_seed(2);
  EnasRnnOperationSet ops;
  SharedRnn m(small(), ops);
  m->eval();  // deterministic (no dropout)
  at::Tensor in = at::randint(50, {6, 2}, at::TensorOptions().dtype(at::kLong));
  const Dag d = dag5();
  auto ref = m->forward(in, m->init_hidden(2), d).logits;
  {
    at::NoGradGuard ng;
    m->edge_weight(1, 3).normal_(0, 1);  // edge 1->3 is not in the DAG
    m->edge_weight(2, 4).normal_(0, 1);
  }
  auto same = m->forward(in, m->init_hidden(2), d).logits;
  EXPECT_TRUE(at::equal(ref, same));
  {
    at::NoGradGuard ng;
    m->edge_weight(1, 2).normal_(0, 1);  // edge 1->2 is used: the output must move
  }
  auto moved = m->forward(in, m->init_hidden(2), d).logits;
  EXPECT_FALSE(at::allclose(ref, moved));
}

TEST(EnasSharedRnn, GradientsOnlyReachUsedEdges) {
  EnasRnnOperationSet ops;
  SharedRnn m(small(), ops);
  at::Tensor in = at::randint(50, {4, 2}, at::TensorOptions().dtype(at::kLong));
  auto out = m->forward(in, m->init_hidden(2), dag5());
  at::cross_entropy_loss(out.logits, at::randint(50, {8}, at::TensorOptions().dtype(at::kLong))).backward();
  EXPECT_TRUE(m->edge_weight(0, 1).grad().defined());
  EXPECT_FALSE(m->edge_weight(1, 3).grad().defined());
}

// The recurrent weights' gradients (one GEMM over all timesteps, nn::RecurrentWeight)
// against central differences of the loss, in float64, in evaluation mode (no dropout).
TEST(EnasSharedRnn, RecurrentWeightGradientsMatchFiniteDifferences) {
  EnasRnnOperationSet ops;
  SharedRnnConfig c = small();
  c.max_hidden_norm = 1e6;  // the clamp's factor carries no gradient by design; keep it at 1
  SharedRnn m(c, ops);
  m->to(at::kDouble);
  m->eval();
  at::manual_seed(3);
  const at::Tensor in = at::randint(50, {4, 2}, at::TensorOptions().dtype(at::kLong));
  const at::Tensor target = at::randint(50, {8}, at::TensorOptions().dtype(at::kLong));
  const at::Tensor h0 = at::randn({2, 16}, at::kDouble) * 0.5;
  auto loss = [&] { return at::cross_entropy_loss(m->forward(in, h0, dag5()).logits, target); };
  loss().backward();
  const auto params = m->named_parameters();
  for (const std::string name : {"w_rec", "edge_0_1", "edge_3_4", "edge_0_3"}) {
    at::Tensor p = params[name];
    ASSERT_TRUE(p.grad().defined()) << name;
    for (const auto& [r, k] : std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {3, 7}, {20, 15}}) {
      const double eps = 1e-6;
      double up, down;
      {
        at::NoGradGuard ng;
        const double v = p[r][k].item<double>();
        p[r][k] = v + eps;
        up = loss().item<double>();
        p[r][k] = v - eps;
        down = loss().item<double>();
        p[r][k] = v;
      }
      EXPECT_NEAR(p.grad()[r][k].item<double>(), (up - down) / (2 * eps), 1e-7) << name << "[" << r << "][" << k << "]";
    }
  }
}

TEST(EnasSharedRnn, HiddenNormIsClamped) {
  EnasRnnOperationSet ops;
  SharedRnnConfig c = small();
  c.max_hidden_norm = 0.5;
  SharedRnn m(c, ops);
  m->eval();
  at::Tensor in = at::randint(50, {5, 4}, at::TensorOptions().dtype(at::kLong));
  auto out = m->forward(in, at::full({4, 16}, 3.0), dag5());
  EXPECT_LE(out.hidden.norm(2, {1}).max().item<double>(), 0.5 + 1e-5);
}

TEST(EnasSharedRnn, SingleDagModelRejectsOtherDags) {
  EnasRnnOperationSet ops;
  const Dag d = dag5();
  SharedRnn m(small(), ops, dag_edges(d));
  at::Tensor in = at::randint(50, {3, 2}, at::TensorOptions().dtype(at::kLong));
  EXPECT_NO_THROW(m->forward(in, m->init_hidden(2), d));
  Dag other = d;
  other[2].parent = 0;
  EXPECT_THROW(m->forward(in, m->init_hidden(2), other), nas::Error);
  EXPECT_EQ(nas::count_parameters(*m), m->dag_param_count(d));
}

TEST(EnasSharedRnn, RemovedNodeIsSkipped) {
  EnasRnnOperationSet ops;
  SharedRnn m(small(), ops);
  m->eval();
  at::Tensor in = at::randint(50, {3, 2}, at::TensorOptions().dtype(at::kLong));
  Dag r = remove_node(dag5(), 3);  // 4 now hangs off 0 through W_{0,4}
  EXPECT_EQ(r[4].parent, 0);
  auto a = m->forward(in, m->init_hidden(2), r).logits;
  {
    at::NoGradGuard ng;
    m->edge_weight(0, 3).normal_(0, 1);  // the removed node's weights are unused
  }
  EXPECT_TRUE(at::equal(a, m->forward(in, m->init_hidden(2), r).logits));
}
