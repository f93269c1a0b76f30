#pragma once
// The ENAS macro-space child network (docs/methods.md, ENAS, the authors' macro space; no
// reference PyTorch code exists, this follows the paper's description), used two ways:
//  - shared (search): every layer holds all six op branches; one forward runs the
//    branches a sampled arc picks, so weights are shared across architectures;
//  - fixed (training from scratch): each layer holds only its arc's branch.
// Layout: stem conv3x3 (C) -> BN; L layers; layer i: branch(layer i-1 or the stem), then
// for i > 0 the sum with the selected earlier layers -> BN. Branches: conv / sep-conv
// k x k = 1x1 conv-BN-ReLU then k x k (depthwise + pointwise) conv-BN-ReLU; pools =
// 1x1 conv-BN-ReLU then 3x3 stride-1 pooling (pad 1; average excludes padding).
// After layers L/3 - 1 and 2L/3 - 1 every layer so far goes through its own factorized
// reduction (stride 2), so later skips see the same size; the width stays C in the search
// network and doubles there when grow_channels (the final network). Then global average
// pool -> dropout (1 - keep_prob) -> linear.
// Optional auxiliary head (aux_head; the paper lists one for the search): the SDK's DARTS
// AuxiliaryHead, as the micro space's final network uses it, on the output of the layer
// after the last reduction (the micro space's "cell after the last reduction"); it runs in
// training mode only and its logits are read with aux_logits().
#include <map>
#include <optional>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "cnn/macro/macro_arc.hpp"
#include "nashost/config.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/operation_set.hpp"

namespace nas::enas {

struct MacroCnnConfig {
  int64_t in_channels = 3, height = 32, width = 32, num_classes = 10;
  int64_t channels = 36;    ///< C (of the first layers when grow_channels)
  int64_t num_layers = 12;  ///< L
  double keep_prob = 0.9;
  bool grow_channels = false;  ///< double C at each factorized reduction (the final network)
  bool aux_head = false;       ///< auxiliary head after the last reduction (needs >= 6x6 maps there)
  Json to_json() const;
  static MacroCnnConfig from_json(const Json& j);
  /// The network for an image classification dataset with the options channels, keep_prob
  /// and auxiliary (ConfigError for other data).
  static MacroCnnConfig for_data(const DatasetInfo& info, const Config& o, int64_t num_layers, bool grow_channels);
  /// Layers after which all layers so far are reduced: L/3 - 1 and 2L/3 - 1 (those >= 0, distinct).
  std::vector<int64_t> reductions_after() const;
};

/// One op branch: 1x1 conv-BN-ReLU from c_in to c, then the op at c channels.
class MacroBranchImpl : public torch::nn::Module {
 public:
  MacroBranchImpl(int op, int64_t c_in, int64_t c);
  at::Tensor forward(const at::Tensor& x);

 private:
  int op_;
  torch::nn::Conv2d in_conv_{nullptr}, conv_{nullptr}, point_{nullptr};
  torch::nn::BatchNorm2d in_bn_{nullptr}, bn_{nullptr};
};
TORCH_MODULE(MacroBranch);

class MacroCnnImpl : public torch::nn::Module {
 public:
  /// Throws ConfigError on bad sizes (the input must halve at both reductions).
  MacroCnnImpl(MacroCnnConfig config, std::optional<MacroArc> fixed = std::nullopt);
  at::Tensor forward(const at::Tensor& x, const MacroArc& arc, bool dropout);
  /// Fixed network: forward with its own arc.
  at::Tensor forward(const at::Tensor& x, bool dropout);
  const MacroCnnConfig& config() const { return config_; }
  const std::optional<MacroArc>& fixed_arc() const { return fixed_; }
  /// Channels of each layer's output, for tests.
  std::vector<int64_t> layer_channels() const { return widths_; }
  /// Logits of the auxiliary head from the last forward in training mode (undefined
  /// otherwise, or without an auxiliary head).
  const at::Tensor& aux_logits() const { return aux_logits_; }
  /// Parameters of the auxiliary head (counted apart: reported sizes exclude it).
  int64_t aux_parameter_count() const;
  /// The layer whose output feeds the auxiliary head (-1 without one).
  int64_t aux_layer() const { return aux_layer_; }

 private:
  MacroBranch& branch(int layer, int op);

  MacroCnnConfig config_;
  std::optional<MacroArc> fixed_;
  std::vector<int64_t> widths_;
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<std::map<int, MacroBranch>> branches_;            ///< [layer][op]
  std::vector<torch::nn::BatchNorm2d> sum_bn_;                  ///< [layer]; null for layer 0
  std::map<int64_t, std::vector<std::shared_ptr<Op>>> reduce_;  ///< after layer r: one reduction per layer 0..r
  torch::nn::Linear classifier_{nullptr};
  nas::nn::AuxiliaryHead aux_{nullptr};
  int64_t aux_layer_ = -1;
  at::Tensor aux_logits_;
};
TORCH_MODULE(MacroCnn);

}  // namespace nas::enas
