#include "nashost/nn/darts_ops.hpp"

#include <ATen/ATen.h>
#include <torch/nn/functional/pooling.h>

#include "nashost/error.hpp"
#include "nashost/nn/dilated_conv.hpp"

namespace nas::nn {

namespace {
torch::nn::Conv2d conv(int64_t c_in, int64_t c_out, int64_t k, int64_t stride, int64_t pad, int64_t dilation = 1,
                       int64_t groups = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(c_in, c_out, k)
                               .stride(stride)
                               .padding(pad)
                               .dilation(dilation)
                               .groups(groups)
                               .bias(false));
}
torch::nn::BatchNorm2d batch_norm(int64_t c, bool affine) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(c).affine(affine));
}
}  // namespace

at::Tensor ZeroOp::forward(const at::Tensor& x) {
  if (stride_ == 1) return x.mul(0.);
  using at::indexing::None;
  using at::indexing::Slice;
  return x.index({Slice(), Slice(), Slice(None, None, stride_), Slice(None, None, stride_)}).mul(0.);
}

PoolOp::PoolOp(Kind kind, int64_t channels, int64_t stride, bool with_bn, bool affine) : kind_(kind), stride_(stride) {
  if (with_bn) bn_ = register_module("bn", batch_norm(channels, affine));
}

at::Tensor PoolOp::pool(const at::Tensor& x) const {
  return kind_ == Kind::Max ? at::max_pool2d(x, {3, 3}, {stride_, stride_}, {1, 1})
                            : at::avg_pool2d(x, {3, 3}, {stride_, stride_}, {1, 1}, /*ceil_mode=*/false,
                                             /*count_include_pad=*/false);
}

at::Tensor PoolOp::forward(const at::Tensor& x) {
  const at::Tensor y = pool(x);
  return bn_ ? bn_->forward(y) : y;
}

ReLUConvBN::ReLUConvBN(int64_t c_in, int64_t c_out, int64_t kernel, int64_t stride, int64_t padding, bool affine) {
  conv_ = register_module("conv", conv(c_in, c_out, kernel, stride, padding));
  bn_ = register_module("bn", batch_norm(c_out, affine));
}

at::Tensor ReLUConvBN::forward(const at::Tensor& x) { return bn_->forward(conv_->forward(at::relu(x))); }

DilConv::DilConv(int64_t c_in, int64_t c_out, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                 bool affine) {
  depthwise_ = register_module("depthwise", conv(c_in, c_in, kernel, stride, padding, dilation, c_in));
  pointwise_ = register_module("pointwise", conv(c_in, c_out, 1, 1, 0));
  bn_ = register_module("bn", batch_norm(c_out, affine));
}

at::Tensor DilConv::forward(const at::Tensor& x) {
  // conv2d_dilated: the same convolution, without the dilation when the stride equals it.
  const auto& o = depthwise_->options;
  const auto& pad = std::get<torch::ExpandingArray<2>>(o.padding());  // conv() sets integers
  const at::Tensor y =
      conv2d_dilated(at::relu(x), depthwise_->weight, depthwise_->bias, *o.stride(), *pad, *o.dilation(), o.groups());
  return bn_->forward(pointwise_->forward(y));
}

SepConv::SepConv(int64_t c_in, int64_t c_out, int64_t kernel, int64_t stride, int64_t padding, bool affine) {
  first_ = register_module("first", std::make_shared<DilConv>(c_in, c_in, kernel, stride, padding, 1, affine));
  second_ = register_module("second", std::make_shared<DilConv>(c_in, c_out, kernel, 1, padding, 1, affine));
}

at::Tensor SepConv::forward(const at::Tensor& x) { return second_->forward(first_->forward(x)); }

FactorizedReduce::FactorizedReduce(int64_t c_in, int64_t c_out, bool affine) {
  if (c_out % 2 != 0)
    throw ConfigError("FactorizedReduce needs an even number of output channels, got " + std::to_string(c_out));
  conv1_ = register_module("conv1", conv(c_in, c_out / 2, 1, 2, 0));
  conv2_ = register_module("conv2", conv(c_in, c_out / 2, 1, 2, 0));
  bn_ = register_module("bn", batch_norm(c_out, affine));
}

at::Tensor FactorizedReduce::forward(const at::Tensor& x) {
  using at::indexing::Slice;
  const at::Tensor r = at::relu(x);
  const at::Tensor shifted = r.index({Slice(), Slice(), Slice(1), Slice(1)});
  return bn_->forward(at::cat({conv1_->forward(r), conv2_->forward(shifted)}, 1));
}

const std::vector<std::string>& darts_primitives() {
  static const std::vector<std::string> names{"none",         "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                                              "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
  return names;
}

std::shared_ptr<Op> DartsOperationSet::make(const std::string& op, const OpArgs& a) const {
  const int64_t c = a.channels, s = a.stride;
  if (s != 1 && s != 2) throw ConfigError("darts op '" + op + "': stride must be 1 or 2, got " + std::to_string(s));
  if (op == "none") return std::make_shared<ZeroOp>(s);
  // quark0: pooling is followed by BN(affine=False) on the search network's mixed edges only.
  if (op == "max_pool_3x3") return std::make_shared<PoolOp>(PoolOp::Kind::Max, c, s, a.search, a.affine);
  if (op == "avg_pool_3x3") return std::make_shared<PoolOp>(PoolOp::Kind::Avg, c, s, a.search, a.affine);
  if (op == "skip_connect") {
    if (s == 1) return std::make_shared<IdentityOp>();
    return std::make_shared<FactorizedReduce>(c, c, a.affine);
  }
  if (op == "sep_conv_3x3") return std::make_shared<SepConv>(c, c, 3, s, 1, a.affine);
  if (op == "sep_conv_5x5") return std::make_shared<SepConv>(c, c, 5, s, 2, a.affine);
  if (op == "dil_conv_3x3") return std::make_shared<DilConv>(c, c, 3, s, 2, 2, a.affine);
  if (op == "dil_conv_5x5") return std::make_shared<DilConv>(c, c, 5, s, 4, 2, a.affine);
  index_of(op);  // throws ConfigError listing the valid names
  throw ConfigError("unknown darts op '" + op + "'");
}

int64_t DartsOperationSet::param_count(const std::string& op, const OpArgs& a) const {
  const int64_t c = a.channels;
  const int64_t bn = a.affine ? 2 * c : 0;  // BN weight + bias per channel
  if (op == "none") return 0;
  if (op == "max_pool_3x3" || op == "avg_pool_3x3") return a.search ? bn : 0;
  if (op == "skip_connect") return a.stride == 1 ? 0 : c * c + bn;
  if (op == "sep_conv_3x3") return 2 * (9 * c + c * c + bn);
  if (op == "sep_conv_5x5") return 2 * (25 * c + c * c + bn);
  if (op == "dil_conv_3x3") return 9 * c + c * c + bn;
  if (op == "dil_conv_5x5") return 25 * c + c * c + bn;
  index_of(op);
  throw ConfigError("unknown darts op '" + op + "'");
}

}  // namespace nas::nn
