#pragma once
// A whole training step captured once in a CUDA graph and replayed: one launch per step
// instead of tens of thousands of kernel launches, for steps whose shapes do not change
// (the DARTS search step: forward, backward, Hessian-vector passes, clipping, optimiser
// updates).
//
// A step body is graph-safe when
//  - it reads everything that changes from step to step from its `inputs` (batches, and
//    per-epoch scalars such as the learning rate as 0-dim tensors): a replay runs the kernels
//    recorded at capture, with the numbers that were host values then baked in;
//  - it reads no device value on the host (no .item(), no branching on a tensor's value): a
//    capture cannot wait for the device. Losses are returned as tensors and checked after
//    the step (check_finite_losses);
//  - its host-side bookkeeping (an optimiser's step counter) is repeated by the caller after
//    a replay (replayed()), since a replay runs no host code.
// While a body runs, graph_safe() is true: the SDK's step helpers then skip the shortcuts that
// read a device value (clip_grad_norm's "factor is 1" test on the CPU, the bilevel step's
// host-side ε).
//
// On the CPU (and on CUDA before capture) the body runs eagerly, in the same graph-safe way:
// the CPU tests check that code against the ordinary step.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Stream.h>

#include "nashost/export.hpp"

namespace nas::nn {

/// True while a StepGraph body runs on this thread (or a GraphSafeScope is alive).
NASHOST_SDK_API bool graph_safe();

/// Marks the current thread graph-safe while alive (scopes nest).
class NASHOST_SDK_API GraphSafeScope {
 public:
  GraphSafeScope();
  ~GraphSafeScope();
  GraphSafeScope(const GraphSafeScope&) = delete;
  GraphSafeScope& operator=(const GraphSafeScope&) = delete;

 private:
  bool previous_;
};

/// A loss of a graph-safe step, checked after the step: what it is ("the weight step") and
/// its value (a 0-dim tensor).
using PendingLoss = std::pair<std::string, at::Tensor>;

/// Reads all `losses` in one host sync; throws nas::NumericError naming the first that is
/// not finite ("non-finite loss (nan) in <what> (<where>); ...").
NASHOST_SDK_API void check_finite_losses(const std::vector<PendingLoss>& losses, const std::string& where);

class NASHOST_SDK_API StepGraph {
 public:
  /// `body(inputs)` computes one step from `inputs` and returns its outputs (tensors the caller
  /// reads after the step). Graph-safe as above.
  using Body = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>& inputs)>;

  /// `what` names the step in messages ("darts search step"). `warmup`: eager steps of one
  /// input shape before that shape is captured (lazy initialisations — optimiser state,
  /// cuDNN/cuBLAS workspaces — must not happen inside a capture).
  explicit StepGraph(std::string what, int warmup = 3);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  /// One step. On CUDA: eager (on a side stream) for the first `warmup` calls with these input
  /// shapes, captured on the next and replayed from then on; a call with other shapes than
  /// the captured ones (an epoch's short last batch) runs eagerly and keeps the graph. On the
  /// CPU: eager. Returns the body's outputs (after a replay: the captured output tensors, now
  /// holding this step's values). Throws nas::Error when a capture fails, naming the step.
  std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs, const Body& body);

  /// Whether the last run() was a replay (the body's host code did not run).
  bool replayed() const { return replayed_; }
  /// Whether a graph is captured now.
  bool captured() const;
  /// Replays so far (a capture counts as its first).
  int64_t replays() const { return replays_; }
  /// Forgets the graph and its static inputs: call when tensors the body uses were replaced
  /// (a checkpoint load reallocates parameters and optimiser state); the next calls warm up
  /// and capture again.
  void reset();

 private:
  struct Capture;
  std::string what_;
  int warmup_;
  std::vector<int64_t> shape_key_;  ///< the shapes the warm-up counts (and the capture) are for
  int same_shape_calls_ = 0;
  std::unique_ptr<Capture> capture_;
  std::optional<c10::Stream> side_stream_;  ///< warm-up and capture on one stream, as PyTorch does
  bool replayed_ = false;
  int64_t replays_ = 0;
};

}  // namespace nas::nn
