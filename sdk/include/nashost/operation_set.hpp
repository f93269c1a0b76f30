#pragma once
// Operation sets: the candidate operations of a search space.
//
// An operation set names its ops in a fixed order (that order is the column order of
// architecture parameters and of integer genotype encodings) and builds each op as a
// LibTorch module for a given channel count and stride.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "nashost/export.hpp"

namespace nas {

/// Where and how an op is instantiated.
struct OpArgs {
  int64_t channels = 16;  ///< input = output channels (DARTS ops keep C)
  int64_t stride = 1;     ///< 2 on reduction-cell edges from the cell inputs
  bool affine = true;     ///< BN affine parameters (off in DARTS search networks)
  bool search = false;    ///< search-network variant (DARTS: pooling followed by BN)
};

/// One candidate operation; a LibTorch module with a single-tensor forward.
class NASHOST_SDK_API Op : public torch::nn::Module {
 public:
  ~Op() override;
  virtual at::Tensor forward(const at::Tensor& x) = 0;
  /// Plain identity: exempt from drop-path.
  virtual bool is_identity() const { return false; }
  /// The zero op: contributes nothing; networks may skip it.
  virtual bool is_zero() const { return false; }
};

/// Made once per run by its factory and shared (immutable) by every network that uses it:
/// make() must not change the set.
class NASHOST_SDK_API OperationSet {
 public:
  virtual ~OperationSet();
  /// Op names in their fixed order.
  virtual const std::vector<std::string>& ops() const = 0;
  /// Builds `op`; throws ConfigError naming the op and the valid ones if unknown.
  virtual std::shared_ptr<Op> make(const std::string& op, const OpArgs& args) const = 0;
  /// Trainable parameters of `op` at `args` (default: build it and count).
  virtual int64_t param_count(const std::string& op, const OpArgs& args) const;
  /// Position of `op` in ops(); throws ConfigError naming the valid ones if unknown.
  int64_t index_of(const std::string& op) const;
  bool contains(const std::string& op) const;
};

/// Counts the trainable parameters of a module (requires_grad only).
NASHOST_SDK_API int64_t count_parameters(const torch::nn::Module& module);

}  // namespace nas
