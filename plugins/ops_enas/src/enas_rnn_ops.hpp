#pragma once
// "enas-rnn": the four activations an ENAS recurrent-cell node can apply, in the
// reference order (carpedm20 --shared_rnn_activations): tanh, ReLU, identity, sigmoid.
// The order is the controller's activation-head order and must not change.
#include <memory>
#include <string>
#include <vector>

#include "nashost/operation_set.hpp"

namespace nas::enas {

/// One parameter-free activation as an nas::Op.
class ActivationOp final : public Op {
 public:
  explicit ActivationOp(std::string name);
  at::Tensor forward(const at::Tensor& x) override;
  bool is_identity() const override { return kind_ == Kind::Identity; }
  const std::string& name() const { return name_; }

 private:
  enum class Kind { Tanh, Relu, Identity, Sigmoid };
  std::string name_;
  Kind kind_;
};

class EnasRnnOperationSet final : public OperationSet {
 public:
  const std::vector<std::string>& ops() const override;
  std::shared_ptr<Op> make(const std::string& op, const OpArgs& args) const override;
};

}  // namespace nas::enas
