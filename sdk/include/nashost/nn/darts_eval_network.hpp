#pragma once
// The DARTS evaluation ("augment") network built from a genotype (docs/methods.md, DARTS):
// stem Conv3×3 + BN; `layers` cells with reductions at floor(L/3) and floor(2L/3); each
// node sums its genotype edges; stride 2 on edges from the cell inputs inside reduction
// cells; all BN affine; output = concat of the genotype's concat list; drop path on every
// non-identity op while training; optional auxiliary head after cell floor(2L/3).
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "nashost/export.hpp"
#include "nashost/nn/drop_path.hpp"
#include "nashost/nn/layout.hpp"
#include "nashost/genotype.hpp"
#include "nashost/operation_set.hpp"

namespace nas::nn {

struct EvalNetworkOptions {
  int64_t in_channels = 3;
  int64_t num_outputs = 10;
  int64_t channels = 36;
  int64_t layers = 20;
  int64_t stem_multiplier = 3;
  bool auxiliary = false;
  int64_t input_height = 32;  ///< needed to size the auxiliary head's pooling
  int64_t input_width = 32;
  /// Activation layout (Auto: channels-last on the CPU, where the depthwise convolutions
  /// and pools are several times faster; same result up to rounding).
  Layout layout = Layout::Auto;
};

class NASHOST_SDK_API EvalCellImpl : public torch::nn::Module {
 public:
  EvalCellImpl(const OperationSet& ops, const CellGenotype& cell, int64_t c_pp, int64_t c_p, int64_t c, bool reduction,
               bool reduction_prev);
  /// nhwc: keep states and their gradients dense channels-last (EvalNetworkOptions::layout).
  at::Tensor forward(const at::Tensor& s0, const at::Tensor& s1, double drop_prob, bool nhwc = false);
  int64_t multiplier() const { return static_cast<int64_t>(concat_.size()); }

 private:
  std::shared_ptr<Op> pre0_, pre1_;
  std::vector<std::vector<std::pair<std::shared_ptr<Op>, int>>> nodes_;
  std::vector<int> concat_;
};
TORCH_MODULE(EvalCell);

/// ReLU → AvgPool 5×5 (stride size−5 per axis, no padding) → 1×1 conv 128 → BN → ReLU →
/// 2×2 conv 768 → BN → ReLU → Linear. quark0 hard-codes stride 3 (8×8 maps only, a bug; docs/methods.md, DARTS);
/// size−5 (pt.darts) gives 2×2 for 7×7 and 8×8 alike.
class NASHOST_SDK_API AuxiliaryHeadImpl : public torch::nn::Module {
 public:
  AuxiliaryHeadImpl(int64_t channels, int64_t height, int64_t width, int64_t num_outputs);
  at::Tensor forward(const at::Tensor& x);

 private:
  int64_t stride_h_, stride_w_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(AuxiliaryHead);

class NASHOST_SDK_API DartsEvalNetworkImpl : public torch::nn::Module {
 public:
  DartsEvalNetworkImpl(const EvalNetworkOptions& options, const Genotype& genotype,
                       std::shared_ptr<const OperationSet> ops);
  /// Returns {logits, aux_logits}; aux_logits is undefined unless training with an aux head.
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x);
  void set_drop_path(double p) { drop_prob_ = p; }
  double drop_path_prob() const { return drop_prob_; }
  /// Trainable parameters without the auxiliary head (what papers report).
  int64_t param_count_without_aux() const;
  /// (C_pp, C_p, C) of every cell, for checking the channel walk.
  const std::vector<std::array<int64_t, 3>>& channel_walk() const { return walk_; }

 private:
  EvalNetworkOptions options_;
  std::shared_ptr<const OperationSet> ops_;
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<EvalCell> cells_;
  AuxiliaryHead aux_{nullptr};
  int64_t aux_after_ = -1;
  torch::nn::Linear classifier_{nullptr};
  double drop_prob_ = 0.0;
  std::vector<std::array<int64_t, 3>> walk_;
};
TORCH_MODULE(DartsEvalNetwork);

}  // namespace nas::nn
