#pragma once
// at::cat whose backward hands each input its part of the gradient as one as_strided view.
//
// Why: LibTorch's CatBackward narrows the gradient once per input, and each narrow dispatches
// narrow → slice → as_strided (three ATen ops). The supernet concatenates every edge batch's
// convolution weights (k edges each, twelve per batch) and inputs in every pass, so those
// narrows were the largest group of ops in a second-order DARTS step. Same values: the parts
// are views of the same gradient either way.
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/export.hpp"

namespace nas::nn {

/// at::cat(ts, dim) (ts itself for one tensor), with the backward above.
NASHOST_SDK_API at::Tensor view_cat(const std::vector<at::Tensor>& ts, int64_t dim);

}  // namespace nas::nn
