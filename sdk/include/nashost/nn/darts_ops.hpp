#pragma once
// The DARTS candidate operations (docs/methods.md, DARTS) as LibTorch modules, and the
// "darts" OperationSet that builds them.
//
// The modules live in the SDK (not in the ops_darts plugin) so that every network built
// from DARTS cells — the search supernet, the evaluation network, DARTS-CC — shares one
// implementation. Networks still obtain their *candidate* ops through the
// nas::OperationSet interface (ctx.operation_set("darts")); they construct the cell
// preprocessing blocks (ReLUConvBN, FactorizedReduce) directly.
//
// All convolutions are bias-free; all ReLUs are out of place, because one tensor feeds
// all candidate ops of a mixed edge.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include "nashost/export.hpp"
#include "nashost/operation_set.hpp"

namespace nas::nn {

/// `none`: output = 0·x; at stride 2 it first takes every second row/column (ceil(H/2)).
class NASHOST_SDK_API ZeroOp : public Op {
 public:
  explicit ZeroOp(int64_t stride) : stride_(stride) {}
  at::Tensor forward(const at::Tensor& x) override;
  bool is_zero() const override { return true; }

 private:
  int64_t stride_;
};

/// `skip_connect` at stride 1.
class NASHOST_SDK_API IdentityOp : public Op {
 public:
  at::Tensor forward(const at::Tensor& x) override { return x; }
  bool is_identity() const override { return true; }
};

/// 3×3 max or average pooling (pad 1; average excludes padded zeros), optionally followed
/// by BN(C, affine) — the search network's "pool → BN(affine=False)" (quark0 search only).
class NASHOST_SDK_API PoolOp : public Op {
 public:
  enum class Kind { Max, Avg };
  PoolOp(Kind kind, int64_t channels, int64_t stride, bool with_bn, bool affine);
  at::Tensor forward(const at::Tensor& x) override;
  /// The pooling alone (no BN).
  at::Tensor pool(const at::Tensor& x) const;
  /// Null when the op has no BN.
  const torch::nn::BatchNorm2d& bn() const { return bn_; }

 private:
  Kind kind_;
  int64_t stride_;
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// ReLU → Conv k×k (stride s, pad p) → BN(Cout).
class NASHOST_SDK_API ReLUConvBN : public Op {
 public:
  ReLUConvBN(int64_t c_in, int64_t c_out, int64_t kernel, int64_t stride, int64_t padding, bool affine);
  at::Tensor forward(const at::Tensor& x) override;

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// ReLU → depthwise k×k (stride s, pad p, dilation d) → pointwise 1×1 → BN(Cout).
class NASHOST_SDK_API DilConv : public Op {
 public:
  DilConv(int64_t c_in, int64_t c_out, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool affine);
  at::Tensor forward(const at::Tensor& x) override;
  const torch::nn::Conv2d& depthwise() const { return depthwise_; }
  const torch::nn::Conv2d& pointwise() const { return pointwise_; }
  const torch::nn::BatchNorm2d& bn() const { return bn_; }

 private:
  torch::nn::Conv2d depthwise_{nullptr};
  torch::nn::Conv2d pointwise_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// Two DilConv units with dilation 1: Cin→Cin with the op's stride, then Cin→Cout at stride 1.
class NASHOST_SDK_API SepConv : public Op {
 public:
  SepConv(int64_t c_in, int64_t c_out, int64_t kernel, int64_t stride, int64_t padding, bool affine);
  at::Tensor forward(const at::Tensor& x) override;
  const DilConv& first() const { return *first_; }
  const DilConv& second() const { return *second_; }

 private:
  std::shared_ptr<DilConv> first_;
  std::shared_ptr<DilConv> second_;
};

/// ReLU → two 1×1 stride-2 convs (Cout/2 each; the second on x shifted by one pixel)
/// → concat → BN(Cout). Needs even H and W (docs/methods.md, DARTS).
class NASHOST_SDK_API FactorizedReduce : public Op {
 public:
  FactorizedReduce(int64_t c_in, int64_t c_out, bool affine);
  at::Tensor forward(const at::Tensor& x) override;
  const torch::nn::Conv2d& conv1() const { return conv1_; }
  const torch::nn::Conv2d& conv2() const { return conv2_; }
  const torch::nn::BatchNorm2d& bn() const { return bn_; }

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

/// The 8 DARTS primitives in quark0 order (`none` first): the column order of alphas.
NASHOST_SDK_API const std::vector<std::string>& darts_primitives();

/// OperationSet "darts". Also usable directly (tests, benchmarks) without the plugin.
class NASHOST_SDK_API DartsOperationSet : public OperationSet {
 public:
  const std::vector<std::string>& ops() const override { return darts_primitives(); }
  std::shared_ptr<Op> make(const std::string& op, const OpArgs& args) const override;
  /// Closed form (no module is built); equals count_parameters(*make(op, args)).
  int64_t param_count(const std::string& op, const OpArgs& args) const override;
};

}  // namespace nas::nn
