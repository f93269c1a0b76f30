#include "nashost/nn/dilated_conv.hpp"

#include <ATen/ATen.h>

namespace nas::nn {

bool runs_subsampled(c10::IntArrayRef stride, c10::IntArrayRef padding, c10::IntArrayRef dilation) {
  if (stride.size() != 2 || padding.size() != 2 || dilation.size() != 2) return false;
  for (size_t i = 0; i < 2; ++i)
    if (dilation[i] < 2 || stride[i] != dilation[i] || padding[i] % dilation[i] != 0) return false;
  return true;
}

at::Tensor conv2d_dilated(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, c10::IntArrayRef stride,
                          c10::IntArrayRef padding, c10::IntArrayRef dilation, int64_t groups) {
  if (x.dim() != 4 || !runs_subsampled(stride, padding, dilation))
    return at::conv2d(x, w, b, stride, padding, dilation, groups);
  using at::indexing::Slice;
  // Keep the input's layout: a channels-last input stays channels-last after the slice copy.
  const at::Tensor sub = x.index({Slice(), Slice(), Slice(at::indexing::None, at::indexing::None, dilation[0]),
                                  Slice(at::indexing::None, at::indexing::None, dilation[1])})
                             .contiguous(x.suggest_memory_format());
  const int64_t pad[2] = {padding[0] / dilation[0], padding[1] / dilation[1]};
  const int64_t one[2] = {1, 1};
  return at::conv2d(sub, w, b, one, pad, one, groups);
}

}  // namespace nas::nn
