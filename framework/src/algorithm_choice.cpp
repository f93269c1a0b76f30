#include "algorithm_choice.hpp"

#include <cstdlib>

#include <ATen/Context.h>

namespace nas::host {

std::string choose_algorithms(const c10::Device& device, bool deterministic) {
  auto& ctx = at::globalContext();
  if (deterministic) {
    ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
    ctx.setDeterministicAlgorithms(true, /*warn_only=*/true);
    ctx.setDeterministicCuDNN(true);
    ctx.setBenchmarkCuDNN(false);
    return std::string("deterministic algorithms (cuDNN without autotuning, CUBLAS_WORKSPACE_CONFIG=") +
           std::getenv("CUBLAS_WORKSPACE_CONFIG") + ")";
  }
  ctx.setDeterministicAlgorithms(false, false);
  ctx.setDeterministicCuDNN(false);
  // cuDNN picks the fastest convolution algorithm per shape (the reference implementations
  // set cudnn.benchmark = True too).
  ctx.setBenchmarkCuDNN(device.is_cuda());
  return device.is_cuda() ? "fastest algorithms (cuDNN autotuning; --deterministic for reproducible GPU runs)"
                          : "CPU algorithms (bit-reproducible for a fixed seed)";
}

}  // namespace nas::host
