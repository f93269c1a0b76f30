#pragma once
// nashost/support/: tools for tests, benchmarks and the host, not part of the plugin contract
// (plugin.hpp, config.hpp, context.hpp, dataset.hpp, operation_set.hpp, strategy.hpp, ...).
// Counts the ATen ops (nested ones included) that a piece of work dispatches — the figure
// the benchmarks print next to milliseconds. On a GPU a small-kernel workload is bound by
// how many ops it issues, so the count compares implementations independently of the
// machine; bench/reference/timing.py counts the Python references the same way
// (torch.profiler events named aten::*). aten_op_callers says where one op's calls come from.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <ATen/record_function.h>

namespace nas {

namespace detail {
/// Removes a RecordFunction callback and clears what it writes to when leaving scope, also when
/// the measured work throws.
class CallbackScope {
 public:
  CallbackScope(at::CallbackHandle handle, std::mutex& mutex, std::function<void()> detach)
      : handle_(handle), mutex_(mutex), detach_(std::move(detach)) {}
  ~CallbackScope() {
    at::removeCallback(handle_);
    std::lock_guard<std::mutex> lock(mutex_);
    detach_();
  }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

 private:
  at::CallbackHandle handle_;
  std::mutex& mutex_;
  std::function<void()> detach_;
};
}  // namespace detail

struct AtenOpCount {
  int64_t total = 0;
  std::map<std::string, int64_t> by_name;  ///< every op, not only aten::* (when asked for)

  /// The `n` most frequent ops, one per line.
  void print_top(size_t n, std::FILE* out = stdout) const {
    std::vector<std::pair<int64_t, std::string>> top;
    for (const auto& [name, c] : by_name) top.emplace_back(c, name);
    std::sort(top.rbegin(), top.rend());
    for (size_t i = 0; i < top.size() && i < n; ++i)
      std::fprintf(out, "%8lld  %s\n", static_cast<long long>(top[i].first), top[i].second.c_str());
  }
};

inline AtenOpCount count_aten_ops(const std::function<void()>& work, bool by_name = false) {
  static std::mutex mutex;
  static AtenOpCount* current = nullptr;
  static bool names = false;
  AtenOpCount result;
  {
    std::lock_guard<std::mutex> lock(mutex);
    current = &result;
    names = by_name;
  }
  const auto handle = at::addGlobalCallback(
      at::RecordFunctionCallback([](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
        std::lock_guard<std::mutex> lock(mutex);  // backward may run on other threads
        if (!current) return nullptr;
        if (std::strncmp(fn.name(), "aten::", 6) == 0) ++current->total;
        if (names) ++current->by_name[fn.name()];
        return nullptr;
      }).scopes({at::RecordScope::FUNCTION}));
  {
    const detail::CallbackScope scope(handle, mutex, [] { current = nullptr; });
    work();
  }
  return result;
}

/// Where the calls of one op come from: for every call of `op` (e.g. "aten::to") inside `work`,
/// the `depth` ops (and autograd functions) it was called from, outermost first, joined by
/// " > "; counted per chain. What tells a per-tensor conversion inside an optimiser step from
/// one inside a convolution's backward when an op count is to come down.
inline std::map<std::string, int64_t> aten_op_callers(const std::function<void()>& work, const std::string& op,
                                                      size_t depth = 3) {
  static std::mutex mutex;
  static std::map<std::string, int64_t>* current = nullptr;
  static std::string wanted;
  static size_t keep = 3;
  thread_local std::vector<std::string> stack;  // the ops open on this thread
  std::map<std::string, int64_t> result;
  {
    std::lock_guard<std::mutex> lock(mutex);
    current = &result;
    wanted = op;
    keep = depth;
  }
  const auto handle = at::addGlobalCallback(
      at::RecordFunctionCallback(
          [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
            if (fn.name() == wanted) {
              std::string chain;
              for (size_t i = stack.size() > keep ? stack.size() - keep : 0; i < stack.size(); ++i)
                chain += (chain.empty() ? "" : " > ") + stack[i];
              std::lock_guard<std::mutex> lock(mutex);
              if (current) ++(*current)[chain.empty() ? "(called directly)" : chain];
            }
            stack.emplace_back(fn.name());
            return nullptr;
          },
          [](const at::RecordFunction&, at::ObserverContext*) {
            if (!stack.empty()) stack.pop_back();
          })
          .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  {
    const detail::CallbackScope scope(handle, mutex, [] { current = nullptr; });
    work();
  }
  return result;
}

/// The `n` most frequent chains of aten_op_callers, one per line.
inline void print_op_callers(const std::map<std::string, int64_t>& callers, size_t n, std::FILE* out = stdout) {
  std::vector<std::pair<int64_t, std::string>> top;
  for (const auto& [chain, c] : callers) top.emplace_back(c, chain);
  std::sort(top.rbegin(), top.rend());
  for (size_t i = 0; i < top.size() && i < n; ++i)
    std::fprintf(out, "%8lld  %s\n", static_cast<long long>(top[i].first), top[i].second.c_str());
}

}  // namespace nas
