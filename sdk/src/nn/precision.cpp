#include "nashost/nn/precision.hpp"

#include <atomic>

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/autocast_mode.h>

#include "nashost/error.hpp"

namespace nas::nn {

namespace {
std::atomic<Precision> g_precision{Precision::Fp32};
}  // namespace

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::Fp32;
  if (name == "tf32") return Precision::Tf32;
  if (name == "bf16") return Precision::Bf16;
  throw ConfigError("precision: unknown '" + name + "'; valid: fp32, tf32, bf16");
}

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::Fp32:
      return "fp32";
    case Precision::Tf32:
      return "tf32";
    case Precision::Bf16:
      return "bf16";
  }
  return "?";
}

void set_precision(Precision p) {
  g_precision = p;
  const auto f32 = p == Precision::Fp32 ? at::Float32Precision::IEEE : at::Float32Precision::TF32;
  auto& ctx = at::globalContext();
  for (const auto op : {at::Float32Op::MATMUL, at::Float32Op::CONV, at::Float32Op::RNN})
    ctx.setFloat32Precision(at::Float32Backend::CUDA, op, f32);
}

Precision precision() { return g_precision; }

AutocastScope::AutocastScope(c10::DeviceType device) : device_(device) {
  if (g_precision != Precision::Bf16 || (device != c10::DeviceType::CPU && device != c10::DeviceType::CUDA)) return;
  active_ = true;
  was_enabled_ = at::autocast::is_autocast_enabled(device_);
  previous_dtype_ = static_cast<int>(at::autocast::get_autocast_dtype(device_));
  at::autocast::set_autocast_enabled(device_, true);
  at::autocast::set_autocast_dtype(device_, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();  // the casts of this step's weights
  at::autocast::set_autocast_enabled(device_, was_enabled_);
  at::autocast::set_autocast_dtype(device_, static_cast<at::ScalarType>(previous_dtype_));
}

at::Tensor float_logits(const at::Tensor& logits, const AutocastScope& scope) {
  return scope.active() && logits.scalar_type() == at::kBFloat16 ? logits.to(at::kFloat) : logits;
}

}  // namespace nas::nn
