#pragma once
// A 2-d convolution whose stride equals its dilation, computed without the dilation.
//
// DARTS' dilated convolutions in a reduction cell have stride 2 and dilation 2 (dil_conv_3x3:
// padding 2, dil_conv_5x5: padding 4). Output position i reads x[s·i + d·a − p] for kernel
// tap a; with s = d and p a multiple of d that is x[d·(i + a − p/d)]: only every d-th row
// and column is read, so the result is the undilated stride-1 convolution of x[::d, ::d]
// with padding p/d (the output sizes agree for every input size). Worth it because oneDNN
// has no direct kernel for the backward of a strided dilated depthwise convolution: it runs
// im2col/col2im + GEMM, which was a fifth of the convolution time of a DARTS search step on
// the CPU (ONEDNN_VERBOSE); the undilated form takes the depthwise kernels.
#include <ATen/core/Tensor.h>
#include <c10/util/ArrayRef.h>
#include <c10/util/Optional.h>

#include "nashost/export.hpp"

namespace nas::nn {

/// at::conv2d(x, w, b, stride, padding, dilation, groups), computed on the subsampled input
/// when stride == dilation > 1 and padding is a multiple of it in both dimensions (same
/// result up to rounding, same gradients); otherwise at::conv2d itself.
NASHOST_SDK_API at::Tensor conv2d_dilated(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                                          c10::IntArrayRef stride, c10::IntArrayRef padding, c10::IntArrayRef dilation,
                                          int64_t groups);

/// Whether conv2d_dilated takes the subsampled form for these settings (2 dimensions each).
NASHOST_SDK_API bool runs_subsampled(c10::IntArrayRef stride, c10::IntArrayRef padding, c10::IntArrayRef dilation);

}  // namespace nas::nn
