#pragma once
// "enas-cnn": the five operations of the ENAS micro (cell) search space, in the authors'
// order (melodyguan/enas micro_controller/micro_child, docs/methods.md, ENAS):
//   0 sep_conv_3x3, 1 sep_conv_5x5, 2 avg_pool_3x3, 3 max_pool_3x3, 4 identity.
// The order is the controller's op-head order and must not change.
//
// Modules (authors' micro_child._fixed_conv / _enas_cell, all at C channels in and out):
//  - sep_conv_kxk: (ReLU -> depthwise kxk -> pointwise 1x1 -> BN) twice, stride on the first
//    depthwise conv (the SDK's nas::nn::SepConv, the same block DARTS uses);
//  - avg/max_pool_3x3: 3x3 pooling, pad 1, average excludes padding (TF "SAME"), no BN;
//  - identity: x at stride 1; a factorized reduction (the authors' choice) at stride 2.
#include <memory>
#include <string>
#include <vector>

#include "nashost/operation_set.hpp"

namespace nas::enas {

/// The op names in controller order.
const std::vector<std::string>& cnn_op_names();

class EnasCnnOperationSet final : public OperationSet {
 public:
  const std::vector<std::string>& ops() const override { return cnn_op_names(); }
  std::shared_ptr<Op> make(const std::string& op, const OpArgs& args) const override;
  /// Closed form; equals count_parameters(*make(op, args)).
  int64_t param_count(const std::string& op, const OpArgs& args) const override;
};

}  // namespace nas::enas
