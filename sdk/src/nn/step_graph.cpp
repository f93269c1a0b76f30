#include "nashost/nn/step_graph.hpp"

#include <cmath>
#include <exception>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/grad_mode.h>

// The wheel's LibTorch is built with CUDA; a CPU-only LibTorch has no CUDAGraph header and
// every step then runs eagerly.
#if __has_include(<ATen/cuda/CUDAGraph.h>) && __has_include(<cuda_runtime_api.h>)
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#define NASHOST_HAVE_CUDA_GRAPHS 1
#endif

#include "nashost/error.hpp"

namespace nas::nn {

namespace {
thread_local bool t_graph_safe = false;

std::vector<int64_t> shape_key(const std::vector<at::Tensor>& inputs) {
  std::vector<int64_t> key;
  for (const auto& t : inputs) {
    key.push_back(static_cast<int64_t>(t.scalar_type()));
    key.push_back(static_cast<int64_t>(t.device().type()));
    key.push_back(t.dim());
    for (const int64_t s : t.sizes()) key.push_back(s);
  }
  return key;
}
}  // namespace

bool graph_safe() { return t_graph_safe; }

GraphSafeScope::GraphSafeScope() : previous_(t_graph_safe) { t_graph_safe = true; }
GraphSafeScope::~GraphSafeScope() { t_graph_safe = previous_; }

void check_finite_losses(const std::vector<PendingLoss>& losses, const std::string& where) {
  if (losses.empty()) return;
  std::vector<at::Tensor> values;
  values.reserve(losses.size());
  for (const auto& [what, v] : losses) values.push_back(v.detach().reshape({}).to(at::kDouble));
  const at::Tensor all = at::stack(values).cpu();  // the one host sync
  const double* p = all.data_ptr<double>();
  for (size_t i = 0; i < losses.size(); ++i)
    if (!std::isfinite(p[i]))
      throw NumericError("non-finite loss (" + std::to_string(p[i]) + ") in " + losses[i].first +
                         (where.empty() ? "" : " (" + where + ")") + "; lower the learning rates or check the data");
}

#ifdef NASHOST_HAVE_CUDA_GRAPHS
struct StepGraph::Capture {
  at::cuda::CUDAGraph graph;
  std::vector<at::Tensor> inputs;   ///< static copies the graph reads
  std::vector<at::Tensor> outputs;  ///< what the graph writes (its private memory pool)
};
#else
struct StepGraph::Capture {};
#endif

StepGraph::StepGraph(std::string what, int warmup) : what_(std::move(what)), warmup_(warmup < 1 ? 1 : warmup) {}
StepGraph::~StepGraph() = default;

bool StepGraph::captured() const { return capture_ != nullptr; }

void StepGraph::reset() {
  capture_.reset();
  shape_key_.clear();
  same_shape_calls_ = 0;
}

std::vector<at::Tensor> StepGraph::run(const std::vector<at::Tensor>& inputs, const Body& body) {
  replayed_ = false;
  const GraphSafeScope safe;
  const bool cuda = !inputs.empty() && inputs.front().is_cuda();
#ifdef NASHOST_HAVE_CUDA_GRAPHS
  if (cuda) {
    const std::vector<int64_t> key = shape_key(inputs);
    if (capture_ && key == shape_key_) {
      for (size_t i = 0; i < inputs.size(); ++i) capture_->inputs[i].copy_(inputs[i], /*non_blocking=*/true);
      capture_->graph.replay();
      replayed_ = true;
      ++replays_;
      return capture_->outputs;
    }
    if (!capture_) {
      same_shape_calls_ = key == shape_key_ ? same_shape_calls_ + 1 : 1;
      shape_key_ = key;
    }
    // Eager steps and the capture run on a side stream (a capture cannot use the default
    // stream), ordered after what the caller queued on the current one and before what it
    // queues next.
    const c10::cuda::CUDAStream caller = c10::cuda::getCurrentCUDAStream();
    if (!side_stream_ || side_stream_->device_index() != caller.device_index())
      side_stream_ = c10::cuda::getStreamFromPool(false, caller.device_index()).unwrap();
    const c10::cuda::CUDAStream side(*side_stream_);
    at::cuda::CUDAEvent queued;
    queued.record(caller);
    queued.block(side);
    std::vector<at::Tensor> outputs;
    if (capture_ || same_shape_calls_ <= warmup_) {
      {
        const c10::cuda::CUDAStreamGuard on_side(side);
        outputs = body(inputs);
      }
      at::cuda::CUDAEvent done;
      done.record(side);
      done.block(caller);
      return outputs;
    }
    // Capture. Allocations during capture come from the graph's private pool and stay its
    // own; autocast must not cache casts across steps (the cache would hold pool memory).
    auto cap = std::make_unique<Capture>();
    for (const auto& t : inputs) cap->inputs.push_back(t.clone());
    c10::cuda::device_synchronize();
    const bool autocast_cache = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(false);
    try {
      const c10::cuda::CUDAStreamGuard on_side(side);
      // Thread-local capture mode: the loaders' threads keep assembling batches meanwhile and
      // may allocate pinned host memory, which the global mode would forbid to every thread
      // (and so break the capture); this thread's own unsafe calls are still refused.
      // Random ops (drop path, dropout, Gumbel noise) draw from the device's default generator:
      // registered, each replay advances it as the uncaptured step would (LibTorch registers it
      // itself in some versions; registering again changes nothing).
      cap->graph.register_generator_state(at::cuda::detail::getDefaultCUDAGenerator(caller.device_index()));
      cap->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
      try {
        cap->outputs = body(cap->inputs);
      } catch (...) {
        try {
          cap->graph.capture_end();
        } catch (...) {  // the capture is broken anyway: the first error is the one to report
        }
        throw;
      }
      cap->graph.capture_end();
    } catch (const std::exception& e) {
      at::autocast::set_autocast_cache_enabled(autocast_cache);
      same_shape_calls_ = 0;
      throw Error("cuda_graph: capturing the " + what_ + " failed (" + e.what() +
                  "); run with cuda_graph = false to take it uncaptured");
    }
    at::autocast::set_autocast_cache_enabled(autocast_cache);
    at::cuda::CUDAEvent captured_event;
    captured_event.record(side);
    captured_event.block(caller);
    // The capture recorded the step without running it (its static inputs already hold this
    // step's values): the first replay is this step.
    cap->graph.replay();
    ++replays_;
    capture_ = std::move(cap);
    return capture_->outputs;
  }
#else
  (void)cuda;
#endif
  return body(inputs);
}

}  // namespace nas::nn
