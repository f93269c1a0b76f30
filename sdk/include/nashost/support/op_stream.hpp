#pragma once
// nashost/support/: for tests. The stream of ATen ops that graph-safe code
// (nashost/nn/step_graph.hpp) dispatches, each with its arguments: tensors by type and shape,
// everything else — numbers, lists, flags, and host numbers wrapped as tensors — by value.
// A CUDA graph replays the kernels of its capture with exactly those values, so if two steps
// with different inputs (batch, learning rate, λ, step number) dispatch the same stream, one
// capture serves both. The CPU-runnable half of what the capture tests show on a GPU.
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <ATen/record_function.h>

#include "nashost/nn/step_graph.hpp"
#include "nashost/support/aten_op_count.hpp"

namespace nas {

namespace detail {
inline std::string describe_argument(const c10::IValue& v) {
  auto number = [](double x) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return std::string(buf);
  };
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return "undefined";
    std::string s = std::string(c10::toString(t.scalar_type())) + "[";
    for (const int64_t d : t.sizes()) s += std::to_string(d) + ",";
    s += "]";
    if (t.unsafeGetTensorImpl()->is_wrapped_number()) {  // a host number: its value is baked in
      if (t.scalar_type() == at::kDouble) s += "=" + number(*t.const_data_ptr<double>());
      if (t.scalar_type() == at::kLong) s += "=" + std::to_string(*t.const_data_ptr<int64_t>());
    }
    return s;
  }
  if (v.isDouble()) return number(v.toDouble());
  if (v.isTensorList()) {
    std::string s = "{";
    for (const at::Tensor& t : v.toTensorVector()) s += describe_argument(c10::IValue(t)) + ";";
    return s + "}";
  }
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace detail

/// The ops `work` dispatches while nn::graph_safe() holds on the dispatching thread, one
/// "name(arguments)" line each.
inline std::vector<std::string> graph_safe_op_stream(const std::function<void()>& work) {
  static std::mutex mutex;
  static std::vector<std::string>* current = nullptr;
  std::vector<std::string> result;
  {
    std::lock_guard<std::mutex> lock(mutex);
    current = &result;
  }
  const auto handle = at::addGlobalCallback(
      at::RecordFunctionCallback([](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
        if (!nn::graph_safe()) return nullptr;
        std::string line = std::string(fn.name()) + "(";
        for (const auto& input : fn.inputs()) line += detail::describe_argument(input) + ", ";
        line += ")";
        std::lock_guard<std::mutex> lock(mutex);
        if (current) current->push_back(std::move(line));
        return nullptr;
      })
          .needsInputs(true)
          .scopes({at::RecordScope::FUNCTION}));
  {
    const detail::CallbackScope scope(handle, mutex, [] { current = nullptr; });
    work();
  }
  return result;
}

/// The first line where two streams differ ("" when they are equal), for a test's message.
inline std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (a[i] != b[i]) return "op " + std::to_string(i) + ": " + a[i] + "  vs  " + b[i];
  if (a.size() != b.size()) return "lengths " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  return "";
}

}  // namespace nas
