#include "enas_rnn_ops.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"

namespace nas::enas {

namespace {
const std::vector<std::string>& rnn_op_names() {
  static const std::vector<std::string> names = {"tanh", "ReLU", "identity", "sigmoid"};
  return names;
}
}  // namespace

ActivationOp::ActivationOp(std::string name) : name_(std::move(name)) {
  if (name_ == "tanh")
    kind_ = Kind::Tanh;
  else if (name_ == "ReLU")
    kind_ = Kind::Relu;
  else if (name_ == "identity")
    kind_ = Kind::Identity;
  else if (name_ == "sigmoid")
    kind_ = Kind::Sigmoid;
  else
    throw ConfigError("enas-rnn: unknown activation '" + name_ + "'; valid: tanh, ReLU, identity, sigmoid");
}

at::Tensor ActivationOp::forward(const at::Tensor& x) {
  switch (kind_) {
    case Kind::Tanh:
      return at::tanh(x);
    case Kind::Relu:
      return at::relu(x);
    case Kind::Identity:
      return x;
    case Kind::Sigmoid:
      return at::sigmoid(x);
  }
  return x;
}

const std::vector<std::string>& EnasRnnOperationSet::ops() const { return rnn_op_names(); }

std::shared_ptr<Op> EnasRnnOperationSet::make(const std::string& op, const OpArgs&) const {
  index_of(op);  // throws ConfigError listing the valid names
  return std::make_shared<ActivationOp>(op);
}

}  // namespace nas::enas
