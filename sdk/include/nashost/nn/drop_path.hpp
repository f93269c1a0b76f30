#pragma once
// Drop path (Larsson et al., FractalNet; as in DARTS, ENAS and DARTS-CC fine-tuning): during
// training the output of a cell's op is dropped for whole samples.
#include <ATen/core/Tensor.h>

#include "nashost/export.hpp"

namespace nas::nn {

/// Per-sample drop path: keeps each sample with probability 1−p and rescales by 1/(1−p).
/// Out of place and on any device (pt.darts builds a CUDA-only mask in place, §7.4).
NASHOST_SDK_API at::Tensor drop_path(const at::Tensor& x, double p);

}  // namespace nas::nn
