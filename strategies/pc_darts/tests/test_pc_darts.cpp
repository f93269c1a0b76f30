// pc-darts: the channel shuffle's permutation, an edge's ops see exactly the first C/K channels
// and the rest passes (pooled where the edge reduces), β normalised per node and used in the
// derivation, warm-up epochs leave the architecture alone, exact resume, a darts genotype.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include <ATen/ATen.h>

#include <nashost/error.hpp>
#include <nashost/nn/darts_ops.hpp>
#include <nashost/nn/derive_cell.hpp>
#include <nashost/support/remove_tree.hpp>
#include <nashost/support/standalone_context.hpp>
#include <nashost/support/tensor_dataset.hpp>

#include "partial_channels.hpp"
#include "pc_darts_search.hpp"

namespace {

std::unique_ptr<nas::StandaloneContext> context(const std::string& name, uint64_t seed = 3) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pc-darts-test-" + name + "-" + std::to_string(::getpid()));
  nas::remove_tree(dir);
  std::filesystem::create_directories(dir);
  auto ctx = std::make_unique<nas::StandaloneContext>(dir, seed);
  ctx->add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  return ctx;
}

nas::Config tiny_options(nas::Json extra = nas::Json::object()) {
  nas::Json j = {{"layers", 3},          {"channels", 8},   {"partial_channels", 4}, {"epochs", 3},
                 {"warmup_epochs", 1},   {"batch_size", 8}, {"augment", false},      {"max_steps_per_epoch", 3},
                 {"max_eval_batches", 2}};
  for (const auto& [k, v] : extra.items()) j[k] = v;
  return nas::Config::validated(j, pc_darts::search_options(), "search");
}

std::vector<at::Tensor> state_of(pc_darts::PcDartsSearch& s) {
  std::vector<at::Tensor> out;
  for (const auto& p : s.network().parameters()) out.push_back(p.detach().clone());
  for (const auto& b : s.network().buffers()) out.push_back(b.clone());
  for (const auto& a : s.arch()) out.push_back(a.detach().clone());
  return out;
}

}  // namespace

TEST(PcDarts, ChannelShuffleIsThePublishedPermutation) {
  // 8 channels in 4 groups: channel g·2 + i goes to i·4 + g.
  const at::Tensor x = at::arange(8, at::kDouble).reshape({1, 8, 1, 1});
  const at::Tensor y = pc_darts::shuffle_channels(x, 4).flatten();
  EXPECT_TRUE(at::equal(y, at::tensor({0., 2., 4., 6., 1., 3., 5., 7.}, at::kDouble)));
  // shuffling in C/g groups undoes it
  const at::Tensor z = at::randn({2, 12, 3, 3});
  EXPECT_TRUE(at::equal(pc_darts::shuffle_channels(pc_darts::shuffle_channels(z, 4), 3), z));
  EXPECT_THROW(pc_darts::shuffle_channels(z, 5), nas::Error);
}

TEST(PcDarts, AnEdgesOpsSeeTheFirstCOverKChannelsAndTheRestPasses) {
  const nas::nn::DartsOperationSet ops;
  const int64_t c = 8, k = 4;
  for (int64_t stride : {1, 2}) {
    nas::nn::MixedOp edge(ops, c / k, stride);
    edge->eval();  // BatchNorm by running statistics: the same numbers in both evaluations
    const at::Tensor x = at::randn({2, c, 6, 6}, at::kDouble);
    edge->to(at::kDouble);
    const at::Tensor w = at::softmax(at::randn({static_cast<int64_t>(ops.ops().size())}, at::kDouble), 0);
    const at::Tensor out = pc_darts::partial_channel_edge(*edge, x, w, k);
    // undo the shuffle: the op's output on x[:, :C/K], then the bypassed channels
    const at::Tensor parts = pc_darts::shuffle_channels(out, c / k);
    const at::Tensor expected_op = edge->forward(x.narrow(1, 0, c / k), w);
    at::Tensor expected_rest = x.narrow(1, c / k, c - c / k);
    if (stride == 2) expected_rest = at::max_pool2d(expected_rest, {2, 2}, {2, 2});
    EXPECT_TRUE(at::allclose(parts.narrow(1, 0, c / k), expected_op, 1e-12, 1e-12)) << "stride " << stride;
    EXPECT_TRUE(at::equal(parts.narrow(1, c / k, c - c / k), expected_rest)) << "stride " << stride;
    // the bypassed channels do not depend on the op at all: changing w leaves them alone
    const at::Tensor other = pc_darts::shuffle_channels(pc_darts::partial_channel_edge(*edge, x, w.flip(0), k), c / k);
    EXPECT_TRUE(at::equal(other.narrow(1, c / k, c - c / k), expected_rest));
  }
}

TEST(PcDarts, EdgeWeightsAreNormalisedPerNodeAndScaleTheDerivation) {
  const at::Tensor beta = at::randn({14}, at::kDouble);
  const at::Tensor b = pc_darts::normalized_edge_weights(beta, 4);
  int64_t start = 0;
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(b.narrow(0, start, i + 2).sum().item<double>(), 1.0, 1e-12) << "node " << i;
    EXPECT_TRUE(at::allclose(b.narrow(0, start, i + 2), at::softmax(beta.narrow(0, start, i + 2), 0)));
    start += i + 2;
  }
  EXPECT_THROW(pc_darts::normalized_edge_weights(at::zeros({13}), 4), nas::Error);
  // α alone prefers the edges from input 0; β prefers input 1 strongly enough to win
  const auto& names = nas::nn::darts_primitives();
  at::Tensor alpha = at::zeros({14, 8}, at::kDouble);
  at::Tensor beta2 = at::zeros({14}, at::kDouble);
  int64_t row = 0;
  for (int64_t i = 0; i < 4; ++i) {
    alpha[row][3] = 1.0;   // input 0: skip_connect, somewhat preferred by α
    beta2[row + 1] = 4.0;  // input 1: strongly preferred by β
    row += i + 2;
  }
  const at::Tensor weights = at::softmax(alpha, -1) * pc_darts::normalized_edge_weights(beta2, 4).unsqueeze(1);
  const nas::CellGenotype cell = nas::nn::derive_cell_from_weights(weights, names, 4);
  for (const auto& node : cell.nodes) EXPECT_EQ(node.front().input, 1) << "the strongest edge is β's choice";
  const nas::CellGenotype alpha_only = nas::nn::derive_cell(alpha, names, 4);
  for (const auto& node : alpha_only.nodes) EXPECT_EQ(node.front().input, 0);
}

TEST(PcDartsSearch, WarmUpThenArchitectureStepsResumeExactlyAndADartsGenotype) {
  auto data = nas::TensorDataset::random(32, 1, 8, 4, 0);
  auto ctx_a = context("a");
  pc_darts::PcDartsSearch a(tiny_options(), data, *ctx_a);
  std::vector<at::Tensor> arch0;
  for (const auto& t : a.arch()) arch0.push_back(t.detach().clone());
  const nas::Metrics m = a.run_epoch();  // warm-up: weights only
  EXPECT_EQ(m.at("architecture_steps"), 0.0);
  for (size_t i = 0; i < arch0.size(); ++i) EXPECT_TRUE(at::equal(arch0[i], a.arch()[i].detach())) << "warm-up";
  const auto ckpt = ctx_a->run_dir() / "ckpt.pt";
  a.save(ckpt);
  a.run_epoch();
  a.run_epoch();
  EXPECT_FALSE(at::equal(arch0[2], a.arch()[2].detach())) << "β learns after the warm-up";

  auto ctx_b = context("b");
  pc_darts::PcDartsSearch b(tiny_options(), data, *ctx_b);
  b.load(ckpt);
  b.run_epoch();
  b.run_epoch();
  const auto sa = state_of(a), sb = state_of(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) ASSERT_TRUE(at::equal(sa[i], sb[i])) << "tensor " << i;

  const auto g = a.derive(nas::Config(nas::Json::object()));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].space, "darts");
  for (const auto& node : g[0].reduce.nodes) EXPECT_EQ(node.size(), 2u);
  // the whole-edge forwards refuse a partial-channel supernet
  EXPECT_THROW(
      a.network().forward_discrete(at::randn({2, 1, 8, 8}), std::vector<int64_t>(14, 1), std::vector<int64_t>(14, 1)),
      nas::Error);
  // channels that K does not divide are refused, naming both keys
  auto ctx_c = context("c");
  try {
    pc_darts::PcDartsSearch c(tiny_options({{"channels", 6}}), data, *ctx_c);
    FAIL() << "6 channels split into 4";
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("partial_channels"), std::string::npos) << e.what();
  }
}
