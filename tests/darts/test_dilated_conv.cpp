// conv2d_dilated against at::conv2d: outputs and gradients (input, weight, bias) in float64,
// odd and even sizes, both layouts, the DARTS settings and others; and which settings take
// the subsampled form.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <tuple>

#include "nashost/nn/dilated_conv.hpp"

namespace {

struct Case {
  int64_t h, w, k, stride, pad, dilation, groups;
};

using Grads = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor>;  // y, dx, dw, db

template <class Conv>
Grads run(const at::Tensor& x0, const at::Tensor& w0, const at::Tensor& b0, const at::Tensor& dy, Conv conv) {
  auto x = x0.detach().requires_grad_(true);
  auto w = w0.detach().requires_grad_(true);
  auto b = b0.detach().requires_grad_(true);
  at::Tensor y = conv(x, w, b);
  y.backward(dy);
  return {y.detach(), x.grad(), w.grad(), b.grad()};
}

void expect_same(const Case& c, bool channels_last) {
  at::manual_seed(3);
  const int64_t ch = 6;
  at::Tensor x = at::randn({2, ch, c.h, c.w}, at::kDouble);
  if (channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor w = at::randn({ch, ch / c.groups, c.k, c.k}, at::kDouble);
  const at::Tensor b = at::randn({ch}, at::kDouble);
  const int64_t s[2] = {c.stride, c.stride}, p[2] = {c.pad, c.pad}, d[2] = {c.dilation, c.dilation};
  const at::Tensor y_ref = at::conv2d(x, w, b, s, p, d, c.groups);
  const at::Tensor dy = at::randn_like(y_ref);
  const auto expected =
      run(x, w, b, dy, [&](auto& xx, auto& ww, auto& bb) { return at::conv2d(xx, ww, bb, s, p, d, c.groups); });
  const auto got = run(x, w, b, dy, [&](auto& xx, auto& ww, auto& bb) {
    return nas::nn::conv2d_dilated(xx, ww, bb, s, p, d, c.groups);
  });
  const std::string what = "H " + std::to_string(c.h) + " W " + std::to_string(c.w) + " k " + std::to_string(c.k) +
                           " s " + std::to_string(c.stride) + " p " + std::to_string(c.pad) + " d " +
                           std::to_string(c.dilation) + (channels_last ? " NHWC" : " NCHW");
  ASSERT_EQ(std::get<0>(got).sizes(), std::get<0>(expected).sizes()) << what;
  EXPECT_TRUE(at::allclose(std::get<0>(got), std::get<0>(expected), 1e-10, 1e-12)) << what;
  EXPECT_TRUE(at::allclose(std::get<1>(got), std::get<1>(expected), 1e-10, 1e-12)) << what << " dx";
  EXPECT_TRUE(at::allclose(std::get<2>(got), std::get<2>(expected), 1e-10, 1e-12)) << what << " dw";
  EXPECT_TRUE(at::allclose(std::get<3>(got), std::get<3>(expected), 1e-10, 1e-12)) << what << " db";
  if (channels_last && nas::nn::runs_subsampled(s, p, d))
    EXPECT_TRUE(std::get<0>(got).is_contiguous(at::MemoryFormat::ChannelsLast)) << what << ": layout lost";
}

TEST(DilatedConv, Same_output_and_gradients_as_at_conv2d) {
  const std::vector<Case> cases = {
      {32, 32, 3, 2, 2, 2, 6},  // dil_conv_3x3 in a reduction cell (depthwise)
      {32, 32, 5, 2, 4, 2, 6},  // dil_conv_5x5 in a reduction cell
      {7, 7, 3, 2, 2, 2, 6},    // odd size (28x28 input after one reduction: 14 -> 7)
      {7, 9, 5, 2, 4, 2, 6},    // odd, non-square
      {14, 14, 3, 2, 0, 2, 1},  // no padding, dense convolution
      {12, 13, 3, 3, 3, 3, 2},  // stride = dilation = 3, grouped
      {16, 16, 3, 1, 2, 2, 6},  // stride 1: at::conv2d itself
      {16, 16, 3, 2, 1, 2, 6},  // padding not a multiple of the dilation: at::conv2d itself
  };
  for (const auto& c : cases)
    for (bool nhwc : {false, true}) expect_same(c, nhwc);
}

TEST(DilatedConv, Only_stride_equal_to_dilation_with_divisible_padding_is_subsampled) {
  const int64_t two[2] = {2, 2}, four[2] = {4, 4}, one[2] = {1, 1}, odd[2] = {3, 3}, mixed[2] = {2, 1};
  EXPECT_TRUE(nas::nn::runs_subsampled(two, two, two));
  EXPECT_TRUE(nas::nn::runs_subsampled(two, four, two));
  EXPECT_FALSE(nas::nn::runs_subsampled(one, two, two));    // stride 1
  EXPECT_FALSE(nas::nn::runs_subsampled(two, odd, two));    // padding 3 with dilation 2
  EXPECT_FALSE(nas::nn::runs_subsampled(two, two, one));    // no dilation
  EXPECT_FALSE(nas::nn::runs_subsampled(mixed, two, two));  // one dimension only
}

}  // namespace
