#pragma once
// Drop path (Larsson et al., FractalNet; as in DARTS, ENAS and DARTS-CC fine-tuning): during
// training the output of a cell's op is dropped for whole samples.
#include <ATen/core/Tensor.h>

#include "nashost/export.hpp"
#include "nashost/operation_set.hpp"

namespace nas::nn {

/// Per-sample drop path: keeps each sample with probability 1−p and rescales by 1/(1−p).
/// Out of place and on any device (pt.darts builds a CUDA-only mask in place).
NASHOST_SDK_API at::Tensor drop_path(const at::Tensor& x, double p);

/// Drop path on the output `h` of a cell's op `op`, where DARTS and ENAS put it: only in
/// training, only for p > 0, never after the identity (nor after the zero op, which has
/// nothing to drop).
NASHOST_SDK_API at::Tensor drop_path_after(const Op& op, const at::Tensor& h, double p, bool training);

/// The same two with p a 0-dim tensor (an input of a captured step, nashost/nn/step_graph.hpp,
/// where p changes every step): always drawn — p = 0 draws a mask of ones — so the kernels do
/// not depend on p's value. The draws differ from the number form's (another Bernoulli kernel).
NASHOST_SDK_API at::Tensor drop_path(const at::Tensor& x, const at::Tensor& p);
NASHOST_SDK_API at::Tensor drop_path_after(const Op& op, const at::Tensor& h, const at::Tensor& p, bool training);

}  // namespace nas::nn
