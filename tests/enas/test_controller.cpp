// Controller sampling constraints per train type, and REINFORCE learning direction.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/optim/adam.h>

#include "rnn/rnn_controller.hpp"
#include "nashost/error.hpp"

using namespace nas::enas;

namespace {
ControllerConfig config(TrainType type, int blocks = 8, std::string arch = "tree") {
  ControllerConfig c;
  c.train_type = type;
  c.num_blocks = blocks;
  c.architecture = std::move(arch);
  return c;
}
const std::vector<std::string> kActs = {"tanh", "ReLU", "identity", "sigmoid"};
}  // namespace

TEST(EnasController, OrigSamplesParentsFromEarlierNodesOnly) {
  at::manual_seed(3);
  Controller c(config(TrainType::Orig, 12));
  EXPECT_EQ(c->num_decisions(), 23);
  at::NoGradGuard ng;
  auto s = c->sample(200);
  ASSERT_EQ(s.dags.size(), 200u);
  EXPECT_EQ(s.log_probs.sizes(), (std::vector<int64_t>{200, 23}));
  std::set<int> parents_of_last;
  for (const auto& d : s.dags) {
    ASSERT_EQ(d.size(), 12u);
    EXPECT_NO_THROW(validate_dag(d, kActs, "sample"));
    parents_of_last.insert(d[11].parent);
  }
  EXPECT_GT(parents_of_last.size(), 5u);  // really sampled, not a fixed shape
  EXPECT_TRUE(at::all(s.mask == 1).item<bool>());
  EXPECT_TRUE(at::all(s.log_probs <= 0).item<bool>());
}

TEST(EnasController, HardcodedKeepsTreeAndChainShapes) {
  for (const char* arch : {"tree", "chain"}) {
    Controller c(config(TrainType::Hardcoded, 9, arch));
    EXPECT_EQ(c->num_decisions(), 9);
    at::NoGradGuard ng;
    const auto parents = fixed_parents(arch, 9);
    std::set<std::string> acts;
    for (const auto& d : c->sample(50).dags) {
      ASSERT_EQ(d.size(), 9u);
      for (int k = 0; k < 9; ++k) {
        EXPECT_EQ(d[k].parent, parents[k]) << arch;
        acts.insert(d[k].activation);
      }
    }
    EXPECT_EQ(acts.size(), 4u);  // activations are still searched
  }
  EXPECT_THROW(Controller(config(TrainType::Hardcoded, 9, "ring")), nas::ConfigError);
}

TEST(EnasController, FlexibleNodeCountsCoverTheRangeAndMaskTheRest) {
  at::manual_seed(5);
  Controller c(config(TrainType::Flexible, 8));
  EXPECT_EQ(c->num_decisions(), 1 + 15);
  at::NoGradGuard ng;
  auto s = c->sample(400);
  std::set<size_t> counts;
  for (size_t b = 0; b < s.dags.size(); ++b) {
    const auto& d = s.dags[b];
    ASSERT_GE(d.size(), 3u);
    ASSERT_LE(d.size(), 8u);
    counts.insert(d.size());
    EXPECT_NO_THROW(validate_dag(d, kActs, "flexible"));
    // count + (2n - 1) node decisions are live, the rest masked
    EXPECT_EQ(s.mask[b].sum().item<double>(), 1.0 + 2.0 * d.size() - 1.0);
  }
  EXPECT_EQ(counts, (std::set<size_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_THROW(Controller(config(TrainType::Flexible, 2)), nas::ConfigError);
}

TEST(EnasController, RandomIsUniform) {
  at::manual_seed(7);
  Controller c(config(TrainType::Random, 4));
  at::NoGradGuard ng;
  auto s = c->sample(4000);
  int relu = 0, parent0_of_3 = 0;
  for (const auto& d : s.dags) {
    relu += d[0].activation == "ReLU";
    parent0_of_3 += d[3].parent == 0;
    EXPECT_NO_THROW(validate_dag(d, kActs, "random"));
  }
  EXPECT_NEAR(relu / 4000.0, 0.25, 0.03);
  EXPECT_NEAR(parent0_of_3 / 4000.0, 1.0 / 3.0, 0.03);
  EXPECT_NEAR(s.log_probs[0][0].item<double>(), std::log(0.25), 1e-6);
}

TEST(EnasController, FlexibleCountHeadGetsPolicyGradient) {
  // The fork never adds the count decision to the loss; ours must.
  Controller c(config(TrainType::Flexible, 6));
  auto s = c->sample(1);
  at::Tensor adv = at::ones({c->num_decisions()});
  reinforce_loss(s, 0, adv, 0.0, true).backward();
  at::Tensor g = c->named_parameters()["heads.0.weight"].grad();
  ASSERT_TRUE(g.defined());
  EXPECT_GT(g.abs().sum().item<double>(), 0.0);
}

TEST(EnasReinforce, BaselineAndAdvantage) {
  Reinforce r(3, 0.5);
  at::Tensor m = at::ones({3});
  at::Tensor a1 = r.advantage(at::full({3}, 2.0), m);  // first reward initialises the baseline
  EXPECT_TRUE(at::allclose(a1, at::zeros({3})));
  at::Tensor a2 = r.advantage(at::full({3}, 4.0), m);  // b = 3, adv = 1
  EXPECT_TRUE(at::allclose(a2, at::ones({3})));
  at::Tensor a3 = r.advantage(at::full({3}, 0.0), at::tensor({1.0f, 1.0f, 0.0f}));  // masked position keeps b
  EXPECT_NEAR(r.baseline()[2].item<double>(), 3.0, 1e-6);
  EXPECT_NEAR(a3[2].item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(r.baseline()[0].item<double>(), 1.5, 1e-6);
}

TEST(EnasReinforce, RewardedChoiceBecomesMoreLikely) {
  at::manual_seed(11);
  ControllerConfig cfg = config(TrainType::Orig, 3);
  Controller c(cfg);
  torch::optim::Adam opt(c->parameters(), torch::optim::AdamOptions(0.02));
  Reinforce baseline(c->num_decisions(), 0.9);
  auto relu_rate = [&] {
    at::NoGradGuard ng;
    int n = 0;
    for (const auto& d : c->sample(2000).dags) n += d[0].activation == "ReLU";
    return n / 2000.0;
  };
  const double before = relu_rate();
  for (int step = 0; step < 150; ++step) {
    auto s = c->sample(1);
    const double reward = s.dags[0][0].activation == "ReLU" ? 1.0 : 0.0;  // toy reward
    at::Tensor adv = baseline.advantage(decision_rewards(reward, s.entropies[0], 0.0, true), s.mask[0]);
    opt.zero_grad();
    reinforce_loss(s, 0, adv, 0.0, true).backward();
    opt.step();
  }
  const double after = relu_rate();
  EXPECT_NEAR(before, 0.25, 0.05);
  EXPECT_GT(after, before + 0.3) << "before " << before << " after " << after;
}
