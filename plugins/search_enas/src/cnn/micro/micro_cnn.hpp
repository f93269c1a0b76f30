#pragma once
// The ENAS micro-space child network (authors' melodyguan/enas micro_child.py), used two ways:
//  - shared (search): every (cell, node, slot, input, op) combination has its own weights,
//    as the authors index their weights by node, slot scope (x/y) and input; one forward
//    runs the cells of a sampled arc;
//  - fixed (scratch training): only the modules of one arc exist.
// Layout: stem conv3x3 (3C) -> BN; num_layers + 2 cells, reductions at layer indices
// num_layers/3 and 2*num_layers/3 + 1 (channels double there); ReLU -> global average
// pool -> dropout (1 - keep_prob) -> linear.
// A cell: inputs calibrated to C (factorized reduction of c_{k-2} after a reduction,
// ReLU-conv1x1-BN when the channel count differs, nothing otherwise); node = op_x(in_x) +
// op_y(in_y); the states no node uses (cell inputs included) are concatenated ->
// ReLU -> 1x1 conv (the weight rows of the used states are picked) -> BN(C).
// Reduction cells apply stride 2 to edges from the cell inputs and reduce unused inputs
// with a factorized reduction (the authors' fixed child does the same; their search
// child instead pre-reduces c_{k-1} and runs the reduction arc at stride 1).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "cnn/cnn_network_config.hpp"
#include "cnn/micro/micro_arc.hpp"
#include "nashost/config.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/nn/limits.hpp"
#include "nashost/operation_set.hpp"

namespace nas::enas {

struct SharedCnnConfig {
  int64_t in_channels = 3, height = 32, width = 32, num_classes = 10;
  int64_t channels = 20;   ///< C of the first cells (out_filters)
  int64_t num_layers = 6;  ///< normal layers; two reduction cells come on top
  int num_nodes = 5;
  double keep_prob = 0.9;  ///< dropout keep probability before the classifier
  /// Fixed networks only: the authors' auxiliary head on the cell after the last reduction
  /// (micro_child.py aux_head_indices = [pool_layers[-1] + 1]), used in training.
  bool aux_head = false;
  Json to_json() const;
  static SharedCnnConfig from_json(const Json& j);
  /// The network for an image classification dataset with the options channels,
  /// num_layers, keep_prob and auxiliary (ConfigError for other data).
  static SharedCnnConfig for_data(const DatasetInfo& info, const Config& o, int num_nodes);
  /// Reduction-cell indices among the num_layers + 2 cells.
  std::vector<int64_t> reduction_layers() const;
};

/// A drop-path probability: a number, or a 0-dim tensor (an input of a captured step,
/// nashost/nn/step_graph.hpp, where it changes every step; nashost/nn/drop_path.hpp).
struct DropProb {
  DropProb(double p = 0.0) : value(p) {}  // NOLINT: a number converts, as before
  explicit DropProb(at::Tensor p) : tensor(std::move(p)) {}
  /// This probability · a / b (the per-layer scaling), in that order.
  DropProb scaled(double a, double b) const {
    return tensor.defined() ? DropProb(tensor * a / b) : DropProb(value * a / b);
  }
  double value = 0.0;
  at::Tensor tensor;
};

class EnasCnnCellImpl : public torch::nn::Module {
 public:
  /// `fixed` = build only that cell's modules.
  EnasCnnCellImpl(const OperationSet& ops, int num_nodes, int64_t c_pp, int64_t c_p, int64_t c, bool reduction,
                  bool reduction_prev, const CellArc* fixed);
  /// drop_prob > 0 applies drop path to the non-identity op outputs (in training mode).
  /// nhwc: keep states and their gradients dense channels-last (nashost/nn/layout.hpp).
  at::Tensor forward(const at::Tensor& s0, const at::Tensor& s1, const CellArc& arc, const DropProb& drop_prob = {},
                     bool nhwc = false);
  bool reduction() const { return reduction_; }
  int64_t out_channels() const { return c_; }

 private:
  static std::string key(int node, int slot, int input, int op);
  std::shared_ptr<Op> edge(int node, int slot, int input, int op) const;

  int num_nodes_;
  int64_t c_;
  bool reduction_;
  std::optional<CellArc> fixed_;
  std::vector<std::string> op_names_;
  std::shared_ptr<Op> pre0_, pre1_;
  std::shared_ptr<Op> reduce_in_[2];
  std::map<std::string, std::shared_ptr<Op>> edges_;
  at::Tensor out_conv_;  ///< [C, S*C, 1, 1]; S = nodes + 2 (shared) or #unused (fixed)
  torch::nn::BatchNorm2d out_bn_{nullptr};
};
TORCH_MODULE(EnasCnnCell);

class SharedCnnImpl : public torch::nn::Module {
 public:
  /// Throws ConfigError when the input size cannot be halved at both reductions.
  SharedCnnImpl(SharedCnnConfig config, const OperationSet& ops, std::optional<CnnArc> fixed = std::nullopt);
  /// `dropout`: apply the classifier dropout (training and controller rewards);
  /// `drop_path`: base drop-path probability, scaled by (layer+1)/(layers) as the authors do.
  at::Tensor forward(const at::Tensor& x, const CnnArc& arc, bool dropout, const DropProb& drop_path = {});
  /// Fixed network: forward with its own arc.
  at::Tensor forward(const at::Tensor& x, bool dropout, const DropProb& drop_path = {});
  const SharedCnnConfig& config() const { return config_; }
  const std::optional<CnnArc>& fixed_arc() const { return fixed_; }
  /// Activation layout; Auto (the default) = channels-last on the CPU, NCHW on CUDA. A run-time
  /// choice, not part of the model (same result up to rounding).
  void set_layout(nn::Layout layout) { layout_ = layout; }
  /// Logits of the auxiliary head from the last forward in training mode (undefined
  /// otherwise, or without an auxiliary head).
  const at::Tensor& aux_logits() const { return aux_logits_; }
  /// Parameters of the auxiliary head (counted apart: reported sizes exclude it).
  int64_t aux_parameter_count() const;
  /// (C_pp, C_p, C, reduction) of every cell, for tests.
  std::vector<std::vector<int64_t>> channel_walk() const { return walk_; }

 private:
  SharedCnnConfig config_;
  std::optional<CnnArc> fixed_;
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<EnasCnnCell> cells_;
  torch::nn::Linear classifier_{nullptr};
  nas::nn::AuxiliaryHead aux_{nullptr};
  int64_t aux_layer_ = -1;
  at::Tensor aux_logits_;
  nn::Layout layout_ = nn::Layout::Auto;
  std::vector<std::vector<int64_t>> walk_;
};
TORCH_MODULE(SharedCnn);

}  // namespace nas::enas
