#pragma once
// A read-only view of one configuration section, with typed getters.
//
// The host parses TOML (and Lua tables) into a JSON value tree once and hands each
// component a Config for its own section. Components declare their options as an
// OptionList; Config::validated() fills defaults, rejects unknown keys (listing the
// valid ones) and checks types, so every later getter can trust the value.
// Every error names the full dotted key, e.g. "search.epochs".
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nashost/export.hpp"

namespace nas {

using Json = nlohmann::ordered_json;

/// The value type an option accepts.
enum class OptionType { Bool, Int, Float, String, IntList, FloatList, StringList, Table, Any };

NASHOST_SDK_API const char* option_type_name(OptionType type);

/// One option a component accepts: key, type, default and a one-line help text.
/// A null default means "required". `old_names`: keys the option had before; they keep
/// working for a release, with a warning that names the new key (Config::validated).
struct OptionSpec {
  std::string key;
  OptionType type = OptionType::Any;
  Json default_value;
  std::string help;
  std::vector<std::string> old_names;
};
using OptionList = std::vector<OptionSpec>;

/// A component's options (its section of the config, validated) or any JSON table. A value
/// type: copies are cheap enough to keep one per component. Getters throw ConfigError naming
/// the full key when the key is absent or holds another type; after validated() neither
/// can happen for a declared option.
class NASHOST_SDK_API Config {
 public:
  Config() : values_(Json::object()) {}
  /// `path` is the dotted prefix used in error messages ("" for the root).
  explicit Config(Json values, std::string path = "");

  /// Checks `values` against `specs`: unknown keys and wrong types throw ConfigError,
  /// missing keys take their defaults, a missing required key throws. A key given under an
  /// old name (OptionSpec::old_names) is renamed, with a warning on the default logger;
  /// the old and the new name together throw.
  static Config validated(const Json& values, const OptionList& specs, const std::string& path);

  bool has(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  std::vector<double> get_float_list(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;
  /// An integer in [lo, hi]; ConfigError naming the key, the value and the range otherwise.
  /// For sizes (layers, channels, hidden units): checked before anything is allocated, so a
  /// typo such as `layers = 1000000` is refused with a message, not a bad_alloc.
  int64_t get_int_in(const std::string& key, int64_t lo, int64_t hi) const;

  /// The value, or `fallback` when the key is absent (a wrong type still throws).
  bool get_bool(const std::string& key, bool fallback) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_float(const std::string& key, double fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;

  /// A nested table as its own view (an empty view if absent).
  Config section(const std::string& key) const;
  /// The raw value of a key; throws ConfigError naming the key if absent.
  const Json& at(const std::string& key) const;
  const Json& json() const { return values_; }
  const std::string& path() const { return path_; }
  /// "path.key", or "key" at the root.
  std::string full_key(const std::string& key) const;

 private:
  Json values_;
  std::string path_;
};

}  // namespace nas
