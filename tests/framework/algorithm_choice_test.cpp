// `nashost run --deterministic`: LibTorch's global algorithm flags and the cuBLAS workspace
// setting, and the default (cuDNN autotuning on CUDA only). CTest runs each test in its own
// process, so each starts from LibTorch's defaults.
#include <cstdlib>
#include <string>

#include <ATen/Context.h>
#include <gtest/gtest.h>

#include "algorithm_choice.hpp"

TEST(AlgorithmChoice, Deterministic_sets_every_flag_and_the_cublas_workspace) {
  ::unsetenv("CUBLAS_WORKSPACE_CONFIG");
  const std::string line = nas::host::choose_algorithms(c10::Device(c10::kCUDA, 0), true);
  auto& ctx = at::globalContext();
  EXPECT_TRUE(ctx.deterministicAlgorithms());
  EXPECT_TRUE(ctx.deterministicAlgorithmsWarnOnly()) << "an op without a deterministic kernel must not end a run";
  EXPECT_TRUE(ctx.deterministicCuDNN());
  EXPECT_FALSE(ctx.benchmarkCuDNN());
  ASSERT_NE(std::getenv("CUBLAS_WORKSPACE_CONFIG"), nullptr);
  EXPECT_STREQ(std::getenv("CUBLAS_WORKSPACE_CONFIG"), ":4096:8");
  EXPECT_NE(line.find("deterministic"), std::string::npos) << line;
}

TEST(AlgorithmChoice, Keeps_a_cublas_workspace_the_user_set) {
  ::setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8", 1);
  nas::host::choose_algorithms(c10::Device(c10::kCPU), true);
  EXPECT_STREQ(std::getenv("CUBLAS_WORKSPACE_CONFIG"), ":16:8");
}

TEST(AlgorithmChoice, Default_autotunes_cudnn_on_cuda_only) {
  auto& ctx = at::globalContext();
  nas::host::choose_algorithms(c10::Device(c10::kCPU), true);  // then back to the default
  nas::host::choose_algorithms(c10::Device(c10::kCUDA, 0), false);
  EXPECT_FALSE(ctx.deterministicAlgorithms());
  EXPECT_FALSE(ctx.deterministicCuDNN());
  EXPECT_TRUE(ctx.benchmarkCuDNN());
  nas::host::choose_algorithms(c10::Device(c10::kCPU), false);
  EXPECT_FALSE(ctx.benchmarkCuDNN());
}
