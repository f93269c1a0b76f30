#include "session.hpp"

#include <algorithm>

#include "config_loader.hpp"
#include "distributed.hpp"
#include "nashost/error.hpp"

namespace nas::host {

bool Session::is_main_rank() const { return dist == nullptr || dist->rank() == 0; }

Json resolve_config(const RunOptions& options, std::filesystem::path* used_file, const Registry* registry) {
  std::filesystem::path file = options.config_file;
  if (file.empty()) {
    // Default: configs/<script stem>.toml next to the scripts folder, or in the current folder.
    const std::string stem = options.script.stem().string();
    const auto beside = options.script.parent_path().parent_path() / "configs" / (stem + ".toml");
    const auto cwd = std::filesystem::path("configs") / (stem + ".toml");
    if (std::filesystem::exists(beside))
      file = beside;
    else if (std::filesystem::exists(cwd))
      file = cwd;
  }
  Json config = Json::object();
  if (!file.empty()) config = load_toml_file(file);
  apply_profile(config, options.profile);
  // --set may name any option a loaded component declares, also one the TOML leaves out.
  DeclaredOption declared;
  if (registry)
    declared = [registry](const std::string& key) -> const OptionSpec* {
      for (const ComponentEntry* e : registry->all())
        for (const auto& o : e->info.options)
          if (o.key == key || std::find(o.old_names.begin(), o.old_names.end(), key) != o.old_names.end()) return &o;
      return nullptr;
    };
  for (const auto& o : options.overrides) apply_override(config, o, false, declared);
  if (used_file) *used_file = file;
  return config;
}

}  // namespace nas::host
