// The DARTS-CC integer genotype JSON (docs/methods.md, DARTS-CC): the published example round-trips,
// `none` edges vanish from the genotype and come back as index 7, other op orders map
// by name, and malformed files name the position of the problem.
#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "random_genotypes.hpp"

namespace {
const char* kPublished = "[[[4,3],[3,4,4],[7,3,2,7],[2,1,1,1,2]],[[3,4],[1,6,2],[4,6,6,2],[0,1,6,6,4]]]";

std::string error_of(const std::string& text) {
  try {
    nas::genotype_from_darts_cc_json(nas::Json::parse(text));
  } catch (const nas::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(DartsCCJson, OpOrderHasNoneLast) {
  const auto& order = nas::darts_cc_op_order();
  ASSERT_EQ(order.size(), 8u);
  EXPECT_EQ(order[0], "max_pool_3x3");
  EXPECT_EQ(order[4], "sep_conv_5x5");
  EXPECT_EQ(order[7], "none");
}

TEST(DartsCCJson, PublishedExampleRoundTrips) {
  const nas::Json j = nas::Json::parse(kPublished);
  const nas::Genotype g = nas::genotype_from_darts_cc_json(j);
  // First block = reduce cell: node 0 = sep_conv_5x5 from s0, sep_conv_3x3 from s1.
  ASSERT_EQ(g.reduce.nodes.size(), 4u);
  EXPECT_EQ(g.reduce.nodes[0], (std::vector<nas::GenotypeEdge>{{"sep_conv_5x5", 0}, {"sep_conv_3x3", 1}}));
  // Reduce node 2 = [7,3,2,7]: the two none edges are dropped.
  EXPECT_EQ(g.reduce.nodes[2], (std::vector<nas::GenotypeEdge>{{"sep_conv_3x3", 1}, {"skip_connect", 2}}));
  EXPECT_EQ(g.normal.nodes[3].size(), 5u);
  EXPECT_EQ(g.normal.nodes[3][0], (nas::GenotypeEdge{"max_pool_3x3", 0}));
  EXPECT_EQ(g.normal.concat, (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(nas::to_darts_cc_json(g), j);
  // Through our native JSON and back.
  EXPECT_EQ(nas::to_darts_cc_json(nas::genotype_from_json(nas::to_json(g))), j);
}

TEST(DartsCCJson, OtherOpOrdersMapByName) {
  const nas::Genotype g = nas::genotype_from_darts_cc_json(nas::Json::parse(kPublished));
  const auto& quark0 = nas::nn::darts_primitives();  // none first
  const nas::Json j = nas::to_darts_cc_json(g, quark0);
  EXPECT_EQ(j[0][2][0].get<int>(), 0);  // none is index 0 in this order
  EXPECT_EQ(quark0[j[0][0][0].get<int>()], "sep_conv_5x5");
  EXPECT_EQ(nas::genotype_from_darts_cc_json(j, quark0), g);
}

TEST(DartsCCJson, MalformedFilesNameThePosition) {
  EXPECT_NE(error_of("[[[4,3]]]").find("exactly two cells"), std::string::npos);
  const std::string short_node = error_of("[[[4,3],[3,4]],[[3,4],[1,6,2]]]");
  EXPECT_NE(short_node.find("[0][1]"), std::string::npos) << short_node;
  EXPECT_NE(short_node.find("needs 3"), std::string::npos) << short_node;
  const std::string out_of_range = error_of("[[[4,3],[3,4,4]],[[3,4],[1,8,2]]]");
  EXPECT_NE(out_of_range.find("[1][1][1]"), std::string::npos) << out_of_range;
  const std::string not_int = error_of("[[[4,3],[3,\"x\",4]],[[3,4],[1,6,2]]]");
  EXPECT_NE(not_int.find("[0][1][1]"), std::string::npos) << not_int;
  EXPECT_NE(error_of("[[[4,3],[3,4,4]],[[3,4]]]").find("nodes"), std::string::npos);
  // Writing a genotype whose op is not in the order names it.
  nas::Genotype g = nas::genotype_from_darts_cc_json(nas::Json::parse(kPublished));
  g.normal.nodes[1][0].op = "conv_7x1_1x7";
  try {
    nas::to_darts_cc_json(g);
    FAIL();
  } catch (const nas::Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv_7x1_1x7"), std::string::npos);
  }
}

TEST(DartsCCJson, LoadGenotypeReadsTheIntegerFile) {
  const auto file = std::filesystem::temp_directory_path() / "darts_cc_genotype_0_0_0.json";
  nas::atomic_write_text(file, kPublished);
  const nas::Genotype g = nas::load_genotype(file);
  EXPECT_EQ(nas::to_darts_cc_json(g), nas::Json::parse(kPublished));
  std::remove(file.c_str());
}

TEST(RandomBaseline, ShareOfParameterFreeOpsGrowsWithK) {
  const auto gs = nas::darts_cc::random_share_genotypes(20, 42);
  ASSERT_EQ(gs.size(), 20u);
  auto free_share = [](const nas::Genotype& g) {
    int free_ops = 0;
    const nas::Json j = nas::to_darts_cc_json(g);
    for (const auto& cell : j)
      for (const auto& node : cell)
        for (const auto& op : node) free_ops += (op == 0 || op == 1 || op == 2 || op == 7);
    return free_ops / 28.0;
  };
  EXPECT_EQ(free_share(gs.front()), 0.0);  // k = 0: all parametric
  // k = 19: every edge replaced by a parameter-free op.
  EXPECT_EQ(free_share(gs.back()), 1.0);
  double first_half = 0, second_half = 0;
  for (int k = 0; k < 10; ++k) first_half += free_share(gs[k]);
  for (int k = 10; k < 20; ++k) second_half += free_share(gs[k]);
  EXPECT_LT(first_half + 2.0, second_half);
  // Seeded: same seed, same genotypes; another seed differs.
  const auto again = nas::darts_cc::random_share_genotypes(20, 42);
  for (int k = 0; k < 20; ++k) EXPECT_EQ(gs[k], again[k]);
  const auto other = nas::darts_cc::random_share_genotypes(20, 7);
  int same = 0;
  for (int k = 0; k < 20; ++k) same += gs[k] == other[k];
  EXPECT_LT(same, 3);  // only the all-free k = 19 cells can coincide by chance
  EXPECT_EQ(gs[5].meta["k"].get<int>(), 5);
}
