// DARTS primitives: shapes at stride 1/2 and exact parameter counts (docs/methods.md, DARTS-CC).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/nn/darts_ops.hpp"

namespace {

nas::OpArgs args(int64_t c, int64_t stride, bool search) {
  nas::OpArgs a;
  a.channels = c;
  a.stride = stride;
  a.affine = !search;
  a.search = search;
  return a;
}

TEST(DartsOps, Quark0_order_with_none_first) {
  nas::nn::DartsOperationSet set;
  const std::vector<std::string> expected{"none",         "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                                          "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
  EXPECT_EQ(set.ops(), expected);
  EXPECT_EQ(set.index_of("skip_connect"), 3);
  EXPECT_THROW(set.make("conv_7x1_1x7", args(16, 1, true)), nas::ConfigError);
}

TEST(DartsOps, Search_param_counts_match_the_published_vectors) {
  nas::nn::DartsOperationSet set;
  // ops 1..7 of the DARTS-CC order (max, avg, skip, sep3, sep5, dil3, dil5); strided skip separately.
  const std::map<int64_t, std::vector<int64_t>> vectors{{16, {0, 0, 0, 800, 1312, 400, 656, 256}},
                                                        {32, {0, 0, 0, 2624, 3648, 1312, 1824, 1024}},
                                                        {64, {0, 0, 0, 9344, 11392, 4672, 5696, 4096}}};
  const std::vector<std::string> names{"max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                                       "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
  for (const auto& [c, v] : vectors) {
    for (size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(set.param_count(names[i], args(c, 1, true)), v[i]) << names[i] << " C=" << c;
      EXPECT_EQ(nas::count_parameters(*set.make(names[i], args(c, 1, true))), v[i]) << names[i] << " C=" << c;
    }
    EXPECT_EQ(set.param_count("skip_connect", args(c, 2, true)), v[7]);
    EXPECT_EQ(nas::count_parameters(*set.make("skip_connect", args(c, 2, true))), v[7]);
    EXPECT_EQ(set.param_count("none", args(c, 2, true)), 0);
  }
}

TEST(DartsOps, Affine_counts_agree_with_built_modules) {
  nas::nn::DartsOperationSet set;
  for (const auto& op : set.ops())
    for (int64_t s : {1, 2})
      for (bool search : {false, true}) {
        nas::OpArgs a = args(12, s, search);
        a.affine = true;  // pooling+BN(affine) in search mode covers pt.darts' PoolBN too
        EXPECT_EQ(set.param_count(op, a), nas::count_parameters(*set.make(op, a))) << op << " s=" << s;
      }
  // Evaluation pooling has no BN (quark0); search pooling has BN(affine=false): no params either.
  EXPECT_EQ(set.make("max_pool_3x3", args(8, 1, false))->buffers().size(), 0u);
  EXPECT_EQ(set.make("max_pool_3x3", args(8, 1, true))->buffers().size(), 3u);
}

TEST(DartsOps, Shapes_at_stride_1_and_2) {
  nas::nn::DartsOperationSet set;
  for (int64_t size : {8, 7}) {
    const at::Tensor x = at::randn({2, 6, size, size});
    for (const auto& op : set.ops()) {
      auto m = set.make(op, args(6, 1, true));
      EXPECT_EQ(m->forward(x).sizes(), x.sizes()) << op;
      if (op == "skip_connect" && size % 2) continue;  // FactorizedReduce needs even sizes
      auto r = set.make(op, args(6, 2, true));
      const int64_t half = (size + 1) / 2;
      EXPECT_EQ(r->forward(x).sizes(), (std::vector<int64_t>{2, 6, half, half})) << op << " size " << size;
    }
  }
}

TEST(DartsOps, Semantics_of_zero_identity_and_pooling) {
  nas::nn::DartsOperationSet set;
  const at::Tensor x = at::randn({1, 2, 5, 5});
  auto zero = set.make("none", args(2, 2, true));
  EXPECT_TRUE(zero->is_zero());
  EXPECT_EQ(zero->forward(x).abs().sum().item<double>(), 0.0);
  auto id = set.make("skip_connect", args(2, 1, false));
  EXPECT_TRUE(id->is_identity());
  EXPECT_TRUE(at::equal(id->forward(x), x));
  EXPECT_FALSE(set.make("skip_connect", args(2, 2, false))->is_identity());
  // Average pooling excludes padded zeros: a constant image stays constant at the border.
  const at::Tensor ones = at::ones({1, 2, 4, 4});
  EXPECT_TRUE(at::allclose(set.make("avg_pool_3x3", args(2, 1, false))->forward(ones), ones));
  // ReLU not in place: the input of a mixed edge is untouched.
  const at::Tensor neg = -at::ones({1, 2, 4, 4});
  set.make("sep_conv_3x3", args(2, 1, true))->forward(neg);
  EXPECT_TRUE(at::equal(neg, -at::ones({1, 2, 4, 4})));
}

}  // namespace
