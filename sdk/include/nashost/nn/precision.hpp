#pragma once
// The arithmetic a run trains in: `nashost run --precision fp32|tf32|bf16` (default fp32).
//  fp32  float32 everywhere (on a GPU also no TF32 in matmuls and convolutions, where
//        LibTorch's own default lets cuDNN convolutions use TF32: strict, as the name says).
//  tf32  float32 storage, TF32 tensor-core matmuls and convolutions on CUDA (10-bit mantissa
//        products, float32 sums); the CPU has no TF32 and computes in float32.
//  bf16  autocast to bfloat16 (CUDA, and CPUs with AVX-512 BF16/AMX) for the forward passes of
//        the trainers' steps and of the DARTS-family supernets, parameters, optimiser state and
//        losses in float32, TF32 for what stays float32 on CUDA. No loss scaling: bfloat16
//        has float32's range. Evaluation runs in float32.
// The host sets it once per run; the SDK's training loop and networks read it.
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/DeviceType.h>

#include "nashost/export.hpp"

namespace nas::nn {

enum class Precision { Fp32, Tf32, Bf16 };

/// "fp32" | "tf32" | "bf16"; anything else throws nas::ConfigError listing them.
NASHOST_SDK_API Precision parse_precision(const std::string& name);
NASHOST_SDK_API const char* precision_name(Precision p);

/// For the whole process (the host, before a run starts): also sets LibTorch's TF32 switches.
NASHOST_SDK_API void set_precision(Precision p);
NASHOST_SDK_API Precision precision();

/// While alive: autocast to bfloat16 on `device` if the precision is bf16 (nothing otherwise);
/// restores the previous autocast state (scopes nest).
class NASHOST_SDK_API AutocastScope {
 public:
  explicit AutocastScope(c10::DeviceType device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;
  bool active() const { return active_; }

 private:
  c10::DeviceType device_;
  bool active_ = false, was_enabled_ = false;
  int previous_dtype_ = 0;  ///< at::ScalarType
};

/// A network's output computed under `scope`, back in float32 where autocast made it
/// bfloat16 (losses, softmaxes and metrics in float32); unchanged otherwise.
NASHOST_SDK_API at::Tensor float_logits(const at::Tensor& logits, const AutocastScope& scope);

}  // namespace nas::nn
