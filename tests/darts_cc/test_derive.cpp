// Derivation rules (docs/methods.md, DARTS-CC): `simple` (argmax incl. none, none edges dropped) and
// `darts` (top-2 non-none edges per node), and the reverse mapping genotype → op indices.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "derive_rules.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"

using namespace nas::darts_cc;

namespace {
// Column order with none FIRST (like the darts op set) to prove we map by name.
const std::vector<std::string> kOps{"none",         "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                                    "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
int64_t col(const std::string& op) { return std::find(kOps.begin(), kOps.end(), op) - kOps.begin(); }

// α with one preferred op per edge (logit 3) and a second choice (logit `second`).
at::Tensor alpha_with(const std::vector<std::pair<std::string, double>>& best) {
  at::Tensor a = at::zeros({14, 8});
  for (size_t e = 0; e < best.size(); ++e) a[e][col(best[e].first)] = best[e].second;
  return a;
}
}  // namespace

TEST(Derive, SimpleKeepsArgmaxAndDropsNone) {
  std::vector<std::pair<std::string, double>> best(14, {"sep_conv_3x3", 2.0});
  best[0] = {"none", 5.0};                              // node 0, from s0 → dropped
  best[1] = {"dil_conv_5x5", 1.0};                      // node 0, from s1
  for (int e = 2; e < 5; ++e) best[e] = {"none", 4.0};  // node 1 keeps no input at all
  best[13] = {"skip_connect", 3.0};
  const auto cell = derive_cell(alpha_with(best), kOps, 4, DeriveRule::Simple);
  ASSERT_EQ(cell.nodes.size(), 4u);
  ASSERT_EQ(cell.nodes[0].size(), 1u);
  EXPECT_EQ(cell.nodes[0][0], (nas::GenotypeEdge{"dil_conv_5x5", 1}));
  EXPECT_TRUE(cell.nodes[1].empty());
  EXPECT_EQ(cell.nodes[2].size(), 4u);  // >2 inputs allowed under `simple`
  EXPECT_EQ(cell.nodes[3].size(), 5u);
  EXPECT_EQ(cell.nodes[3][4], (nas::GenotypeEdge{"skip_connect", 4}));
  EXPECT_EQ(cell.concat, (std::vector<int>{2, 3, 4, 5}));
}

TEST(Derive, DartsRuleTakesTopTwoNonNoneEdges) {
  at::Tensor a = at::zeros({14, 8});
  // Node 2 (edges 5..8): none dominates edge 5 but is ignored; the best non-none
  // probabilities are edge 7 (sep_conv_5x5, logit 4) and edge 5 (max_pool, logit 3).
  a[5][col("none")] = 9.0;
  a[5][col("max_pool_3x3")] = 3.0;
  a[6][col("dil_conv_3x3")] = 1.0;
  a[7][col("sep_conv_5x5")] = 4.0;
  a[8][col("skip_connect")] = 0.5;
  const auto cell = derive_cell(a, kOps, 4, DeriveRule::Darts);
  for (const auto& node : cell.nodes) EXPECT_EQ(node.size(), 2u);
  ASSERT_EQ(cell.nodes[2].size(), 2u);
  // Edge 5's softmax is dominated by none, so max_pool's *probability* is tiny: the
  // second pick is edge 6 (dil_conv_3x3), as in pt.darts which ranks by probability.
  EXPECT_EQ(cell.nodes[2][0], (nas::GenotypeEdge{"sep_conv_5x5", 2}));
  EXPECT_EQ(cell.nodes[2][1], (nas::GenotypeEdge{"dil_conv_3x3", 1}));
  for (const auto& node : cell.nodes)
    for (const auto& e : node) EXPECT_NE(e.op, "none");
}

TEST(Derive, RuleNamesAndErrors) {
  EXPECT_EQ(parse_derive_rule("simple", "rule"), DeriveRule::Simple);
  EXPECT_EQ(parse_derive_rule("darts", "rule"), DeriveRule::Darts);
  try {
    parse_derive_rule("top2", "derive.rule");
    FAIL();
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("derive.rule"), std::string::npos);
  }
  EXPECT_THROW(derive_cell(at::zeros({10, 8}), kOps, 4, DeriveRule::Simple), nas::Error);
}

TEST(Derive, OpIndicesRoundTripAndRejectBadCells) {
  std::vector<std::pair<std::string, double>> best(14, {"avg_pool_3x3", 2.0});
  best[3] = {"none", 2.0};
  best[9] = {"sep_conv_5x5", 2.0};
  const auto cell = derive_cell(alpha_with(best), kOps, 4, DeriveRule::Simple);
  const auto idx = cell_op_indices(cell, kOps, 4, "normal");
  ASSERT_EQ(idx.size(), 14u);
  EXPECT_EQ(idx[3], col("none"));
  EXPECT_EQ(idx[9], col("sep_conv_5x5"));
  EXPECT_EQ(idx[0], col("avg_pool_3x3"));

  nas::CellGenotype bad = cell;
  bad.nodes[1].push_back({"sep_conv_3x3", 0});  // second edge from s0
  EXPECT_THROW(cell_op_indices(bad, kOps, 4, "normal"), nas::Error);
  bad = cell;
  bad.nodes[0].push_back({"conv_7x1_1x7", 1});
  try {
    cell_op_indices(bad, kOps, 4, "reduce");
    FAIL();
  } catch (const nas::Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv_7x1_1x7"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("reduce"), std::string::npos);
  }
  bad = cell;
  bad.nodes.pop_back();
  EXPECT_THROW(cell_op_indices(bad, kOps, 4, "normal"), nas::Error);
}
