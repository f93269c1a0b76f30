#include "enas_cnn_ops.hpp"

#include "nashost/error.hpp"
#include "nashost/nn/darts_ops.hpp"  // the SDK's cell building blocks (FactorizedReduce, ReLUConvBN, ...)

namespace nas::enas {

const std::vector<std::string>& cnn_op_names() {
  static const std::vector<std::string> names = {"sep_conv_3x3", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3",
                                                 "identity"};
  return names;
}

namespace {
void check_args(const std::string& op, const OpArgs& a) {
  if (a.channels < 1) throw ConfigError("enas-cnn: " + op + " needs at least one channel");
  if (a.stride != 1 && a.stride != 2)
    throw ConfigError("enas-cnn: " + op + " stride must be 1 or 2, got " + std::to_string(a.stride));
  if (op == "identity" && a.stride == 2 && a.channels % 2 != 0)
    throw ConfigError("enas-cnn: identity at stride 2 is a factorized reduction and needs an even channel count, got " +
                      std::to_string(a.channels));
}
}  // namespace

std::shared_ptr<Op> EnasCnnOperationSet::make(const std::string& op, const OpArgs& a) const {
  const int64_t index = index_of(op);  // throws ConfigError listing the valid names
  check_args(op, a);
  const int64_t c = a.channels;
  switch (index) {
    case 0:
      return std::make_shared<nn::SepConv>(c, c, 3, a.stride, 1, a.affine);
    case 1:
      return std::make_shared<nn::SepConv>(c, c, 5, a.stride, 2, a.affine);
    case 2:
      return std::make_shared<nn::PoolOp>(nn::PoolOp::Kind::Avg, c, a.stride, false, a.affine);
    case 3:
      return std::make_shared<nn::PoolOp>(nn::PoolOp::Kind::Max, c, a.stride, false, a.affine);
    default:
      if (a.stride == 1) return std::make_shared<nn::IdentityOp>();
      return std::make_shared<nn::FactorizedReduce>(c, c, a.affine);
  }
}

int64_t EnasCnnOperationSet::param_count(const std::string& op, const OpArgs& a) const {
  const int64_t index = index_of(op);
  check_args(op, a);
  const int64_t c = a.channels, bn = a.affine ? 2 * c : 0;
  auto sep = [&](int64_t k) { return 2 * (k * k * c + c * c + bn); };  // two (dw, pw, BN) units
  switch (index) {
    case 0:
      return sep(3);
    case 1:
      return sep(5);
    case 2:
    case 3:
      return 0;
    default:
      return a.stride == 1 ? 0 : 2 * (c * (c / 2)) + bn;  // two 1x1 convs to C/2 each + BN
  }
}

}  // namespace nas::enas
