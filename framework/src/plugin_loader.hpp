#pragma once
// Finds plugin libraries, checks their descriptors and lets them register components.
//
// A broken plugin never takes the host down: every outcome (loaded, not a plugin,
// cannot be opened, wrong ABI/SDK/build, register threw, duplicate name) becomes an
// entry of the load report, which `nashost plugins` prints.
#include <filesystem>
#include <string>
#include <vector>

#include "registry.hpp"

namespace nas::host {

struct LoadOutcome {
  std::filesystem::path library;
  bool loaded = false;
  std::string plugin;  ///< name from the descriptor, if it could be read
  std::string version;
  std::string reason;  ///< why it was skipped
  std::vector<std::string> components;
};

class PluginLoader {
 public:
  explicit PluginLoader(Registry& registry) : registry_(registry) {}

  /// Loads every shared library directly inside `dir` (sorted by name). A missing
  /// directory is recorded in the report, not an error.
  void load_directory(const std::filesystem::path& dir);
  /// Loads one library file.
  void load_file(const std::filesystem::path& file);

  const std::vector<LoadOutcome>& report() const { return report_; }
  const std::vector<std::filesystem::path>& searched() const { return searched_; }

 private:
  Registry& registry_;
  std::vector<LoadOutcome> report_;
  std::vector<std::filesystem::path> searched_;
};

/// Plugin folders in search order: --plugin-path values, NAS_PLUGIN_PATH (':'-separated),
/// then the folders next to the executable (build tree and installed layout).
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& cli_paths);

}  // namespace nas::host
