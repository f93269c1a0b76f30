#pragma once
// nashost/support/: tools for tests, benchmarks and the host, not part of the plugin contract
// (plugin.hpp, config.hpp, context.hpp, dataset.hpp, operation_set.hpp, strategy.hpp, ...).
// Counts the ATen ops (nested ones included) that a piece of work dispatches — the figure
// the benchmarks print next to milliseconds. On a GPU a small-kernel workload is bound by
// how many ops it issues, so the count compares implementations independently of the
// machine; bench/reference/timing.py counts the Python references the same way
// (torch.profiler events named aten::*).
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
  auto stop = [&] {
    at::removeCallback(handle);
    std::lock_guard<std::mutex> lock(mutex);
    current = nullptr;
  };
  try {
    work();
  } catch (...) {
    stop();
    throw;
  }
  stop();
  return result;
}

}  // namespace nas
