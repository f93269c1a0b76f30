#pragma once
// How LibTorch may choose its kernels for a run: fastest (cuDNN autotuning on a GPU, as the
// reference implementations) or reproducible (`nashost run --deterministic`).
#include <string>

#include <c10/core/Device.h>

namespace nas::host {

/// Sets LibTorch's global algorithm flags for a run on `device` and returns a line for
/// the log. Deterministic: deterministic algorithms wherever LibTorch has them (an op
/// without one logs a warning instead of failing hours into a run), deterministic cuDNN
/// without autotuning, and CUBLAS_WORKSPACE_CONFIG=:4096:8 (cuBLAS reads it when its first
/// handle is made; a value the user set is kept). Otherwise cuDNN autotunes on CUDA.
/// CPU runs are bit-reproducible for a fixed seed either way.
std::string choose_algorithms(const c10::Device& device, bool deterministic);

}  // namespace nas::host
