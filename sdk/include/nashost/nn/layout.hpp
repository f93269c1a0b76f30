#pragma once
// Memory layout of the networks' activations (option `memory_format`) and the helpers
// that keep a network in channels-last (NHWC).
//
// Why channels-last on the CPU: oneDNN's depthwise convolutions and LibTorch's pooling have
// fast CPU paths only for dense channels-last tensors (in NCHW the 5x5 and dilated depthwise
// convolutions fall back to im2col + GEMM), and LibTorch's CPU batch_norm backward is
// vectorised only when its input and its incoming gradient share one dense layout.
// Gradients that come back through `cat` (slices) or `stack` (unbind's backward) are
// neither, hence keep_gradient_layout on every state a cell concatenates.
#include <string>

#include <ATen/core/Tensor.h>

#include "nashost/export.hpp"

namespace nas::nn {

enum class Layout {
  Auto,          ///< channels-last on the CPU (measured faster there), NCHW on CUDA
  ChannelsLast,  ///< channels-last everywhere (e.g. to measure it on a GPU)
  Nchw,          ///< LibTorch's default layout everywhere
};

/// "auto", "channels_last" or "nchw"; anything else throws ConfigError naming `key`.
NASHOST_SDK_API Layout parse_layout(const std::string& name, const std::string& key);

/// The option's description, shared by every plugin that offers it.
inline constexpr const char* kLayoutOptionHelp =
    "activation layout: auto = channels-last on the CPU (oneDNN's depthwise convolutions and the pools are "
    "several times faster there) and NCHW on CUDA; channels_last; nchw. Same result up to rounding";

/// Whether `x` (a batch of images) runs channels-last under the option.
inline bool run_channels_last(Layout layout, const at::Tensor& x) {
  return x.dim() == 4 && (layout == Layout::ChannelsLast || (layout == Layout::Auto && x.is_cpu()));
}

/// x as a dense channels-last tensor (no copy when it already is one).
NASHOST_SDK_API at::Tensor to_channels_last(const at::Tensor& x);

/// Makes the gradient that reaches `t` in the backward pass dense in t's own layout (a
/// copy only when it arrives in another one). No-op for tensors without grad.
NASHOST_SDK_API void keep_gradient_layout(at::Tensor& t);

/// A cell's node state (a sum of op outputs) for a channels-last cell: dense NHWC (a zero
/// op's zeros may come in NCHW), with its gradient kept so, as it partly comes back through
/// the cell's concatenation.
NASHOST_SDK_API at::Tensor channels_last_state(const at::Tensor& sum);

/// A cell's output: its node states concatenated along the channels, dense channels-last in
/// a channels-last cell (`cat` along C of NHWC inputs comes out NCHW-contiguous).
NASHOST_SDK_API at::Tensor concat_cell_states(at::TensorList states, bool nhwc);

}  // namespace nas::nn
