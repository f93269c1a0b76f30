#pragma once
// Reads experiment configs: TOML → JSON value tree, profiles merged, --set applied.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "nashost/config.hpp"

namespace nas::host {

/// Parses a TOML file; nas::ConfigError with file, line and column on a syntax error.
Json load_toml_file(const std::filesystem::path& file);
/// Parses TOML text (`source` names it in errors).
Json parse_toml(const std::string& text, const std::string& source);

/// Merges `overlay` into `base` recursively (tables merge, everything else replaces).
void deep_merge(Json& base, const Json& overlay);

/// Applies the profile: `profile` (or the top-level `profile` key, default "quick"
/// when a [profiles] table exists) selects [profiles.<name>], which is deep-merged over
/// the rest; the [profiles] table is removed and `profile` records the choice.
/// Unknown profile → ConfigError listing the available ones.
void apply_profile(Json& config, const std::string& profile);

/// Applies one `section.key=value` override. The value is read as a TOML value
/// (`3`, `0.5`, `true`, `[1, 2]`, `"text"`), else as a bare string. The key must exist
/// unless `allow_new`; otherwise ConfigError listing the keys that do exist there.
void apply_override(Json& config, const std::string& assignment, bool allow_new = false);

/// The option a component declares under `key` (any component), or nullptr.
using DeclaredOption = std::function<const OptionSpec*(const std::string& key)>;
/// As above; a key missing from the config is also accepted when `declared` knows it (an
/// option left at its default), and its value is converted to the declared type.
void apply_override(Json& config, const std::string& assignment, bool allow_new, const DeclaredOption& declared);

}  // namespace nas::host
