#include "nashost/environment.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <string>

namespace nas {

const char* environment_variable(const char* name) {
  if (const char* value = std::getenv(name)) return value;
  const std::string wanted = name;
  if (wanted.rfind("NAS_", 0) != 0) return nullptr;
  const std::string old = "NASHOST_" + wanted.substr(4);
  const char* value = std::getenv(old.c_str());
  if (value) {
    static std::mutex mutex;
    static std::set<std::string> warned;
    std::lock_guard lock(mutex);
    if (warned.insert(old).second)
      spdlog::warn("environment variable {} is deprecated: use {} (the old name still works for now)", old, wanted);
  }
  return value;
}

}  // namespace nas
