#pragma once
// Channels-last (NHWC) on the CPU for the DARTS networks (SDK-internal).
//
// Why: oneDNN's depthwise convolutions and LibTorch's pooling have fast CPU paths only for
// dense channels-last tensors (in NCHW the 5x5 and dilated depthwise convolutions fall back
// to im2col + GEMM), and LibTorch's CPU batch_norm backward is vectorised only when its input
// and its incoming gradient share one dense layout. Gradients that come back through `cat`
// (slices) or `stack` (unbind's backward) are neither, hence keep_gradient_layout.
#include <ATen/core/Tensor.h>

#include "nashost/nn/layout.hpp"

namespace nas::nn {

/// Whether `x` (a batch of images) runs channels-last under the option.
inline bool run_channels_last(Layout layout, const at::Tensor& x) {
  return x.dim() == 4 && (layout == Layout::ChannelsLast || (layout == Layout::Auto && x.is_cpu()));
}

/// x as a dense channels-last tensor (no copy when it already is one).
at::Tensor to_channels_last(const at::Tensor& x);

/// Makes the gradient that reaches `t` in the backward pass dense in t's own layout (a
/// copy only when it arrives in another one). No-op for tensors without grad.
void keep_gradient_layout(at::Tensor& t);

}  // namespace nas::nn
