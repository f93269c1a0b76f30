#include "nashost/config.hpp"

#include <algorithm>
#include <sstream>

#include <spdlog/spdlog.h>

#include "nashost/error.hpp"

namespace nas {

const char* option_type_name(OptionType type) {
  switch (type) {
    case OptionType::Bool:
      return "bool";
    case OptionType::Int:
      return "integer";
    case OptionType::Float:
      return "float";
    case OptionType::String:
      return "string";
    case OptionType::IntList:
      return "list of integers";
    case OptionType::FloatList:
      return "list of floats";
    case OptionType::StringList:
      return "list of strings";
    case OptionType::Table:
      return "table";
    case OptionType::Any:
      return "any";
  }
  return "?";
}

namespace {

const char* json_type_name(const Json& v) {
  if (v.is_boolean()) return "bool";
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "float";
  if (v.is_string()) return "string";
  if (v.is_array()) return "list";
  if (v.is_object()) return "table";
  return "nothing";
}

bool all_of(const Json& v, bool (*pred)(const Json&)) { return v.is_array() && std::all_of(v.begin(), v.end(), pred); }

bool matches(const Json& v, OptionType type) {
  switch (type) {
    case OptionType::Bool:
      return v.is_boolean();
    case OptionType::Int:
      return v.is_number_integer();
    case OptionType::Float:
      return v.is_number();
    case OptionType::String:
      return v.is_string();
    case OptionType::IntList:
      return all_of(v, [](const Json& e) { return e.is_number_integer(); });
    case OptionType::FloatList:
      return all_of(v, [](const Json& e) { return e.is_number(); });
    case OptionType::StringList:
      return all_of(v, [](const Json& e) { return e.is_string(); });
    case OptionType::Table:
      return v.is_object();
    case OptionType::Any:
      return true;
  }
  return false;
}

std::string join_keys(const OptionList& specs) {
  std::ostringstream out;
  for (size_t i = 0; i < specs.size(); ++i) out << (i ? ", " : "") << specs[i].key;
  return out.str();
}

}  // namespace

Config::Config(Json values, std::string path) : values_(std::move(values)), path_(std::move(path)) {
  if (values_.is_null()) values_ = Json::object();
  if (!values_.is_object())
    throw ConfigError("'" + (path_.empty() ? std::string("<root>") : path_) + "' must be a table, got " +
                      json_type_name(values_));
}

Config Config::validated(const Json& values, const OptionList& specs, const std::string& path) {
  Config probe(values.is_null() ? Json::object() : values, path);
  Json out = Json::object();
  Json renamed = Json::object();  // values given under an old name, by their new key
  for (const auto& [key, value] : probe.values_.items()) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.key == key; });
    if (spec == specs.end()) {
      spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) {
        return std::find(s.old_names.begin(), s.old_names.end(), key) != s.old_names.end();
      });
      if (spec != specs.end()) {
        if (probe.values_.contains(spec->key))
          throw ConfigError("option '" + probe.full_key(key) + "' is the old name of '" + probe.full_key(spec->key) +
                            "'; give only '" + spec->key + "'");
        spdlog::warn("option '{}' is deprecated: use '{}' (the old name still works for now)", probe.full_key(key),
                     probe.full_key(spec->key));
        renamed[spec->key] = value;
      }
    }
    if (spec == specs.end())
      throw ConfigError("unknown option '" + probe.full_key(key) + "'; valid options" +
                        (path.empty() ? "" : " in [" + path + "]") + ": " +
                        (specs.empty() ? std::string("(none)") : join_keys(specs)));
    if (!matches(value, spec->type))
      throw ConfigError("option '" + probe.full_key(key) + "' must be a " + option_type_name(spec->type) + ", got " +
                        json_type_name(value) + " (" + value.dump() + ")");
  }
  for (const auto& spec : specs) {
    if (renamed.contains(spec.key)) {
      out[spec.key] = renamed.at(spec.key);
    } else if (probe.values_.contains(spec.key)) {
      out[spec.key] = probe.values_.at(spec.key);
    } else if (spec.default_value.is_null()) {
      throw ConfigError("missing required option '" + probe.full_key(spec.key) + "' (" + option_type_name(spec.type) +
                        ": " + spec.help + ")");
    } else {
      out[spec.key] = spec.default_value;
    }
  }
  return Config(std::move(out), path);
}

std::string Config::full_key(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool Config::has(const std::string& key) const { return values_.contains(key); }

const Json& Config::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw ConfigError("missing option '" + full_key(key) + "'");
  return *it;
}

namespace {
[[noreturn]] void wrong_type(const Config& c, const std::string& key, const char* want, const Json& v) {
  throw ConfigError("option '" + c.full_key(key) + "' must be a " + want + ", got " + json_type_name(v) + " (" +
                    v.dump() + ")");
}
}  // namespace

bool Config::get_bool(const std::string& key) const {
  const Json& v = at(key);
  if (!v.is_boolean()) wrong_type(*this, key, "bool", v);
  return v.get<bool>();
}
int64_t Config::get_int(const std::string& key) const {
  const Json& v = at(key);
  if (!v.is_number_integer()) wrong_type(*this, key, "integer", v);
  return v.get<int64_t>();
}
int64_t Config::get_int_in(const std::string& key, int64_t lo, int64_t hi) const {
  const int64_t v = get_int(key);
  if (v < lo || v > hi)
    throw ConfigError("option '" + full_key(key) + "' must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                      ", got " + std::to_string(v));
  return v;
}
double Config::get_float(const std::string& key) const {
  const Json& v = at(key);
  if (!v.is_number()) wrong_type(*this, key, "float", v);
  return v.get<double>();
}
std::string Config::get_string(const std::string& key) const {
  const Json& v = at(key);
  if (!v.is_string()) wrong_type(*this, key, "string", v);
  return v.get<std::string>();
}
std::vector<int64_t> Config::get_int_list(const std::string& key) const {
  const Json& v = at(key);
  if (!matches(v, OptionType::IntList)) wrong_type(*this, key, "list of integers", v);
  return v.get<std::vector<int64_t>>();
}
std::vector<double> Config::get_float_list(const std::string& key) const {
  const Json& v = at(key);
  if (!matches(v, OptionType::FloatList)) wrong_type(*this, key, "list of floats", v);
  return v.get<std::vector<double>>();
}
std::vector<std::string> Config::get_string_list(const std::string& key) const {
  const Json& v = at(key);
  if (!matches(v, OptionType::StringList)) wrong_type(*this, key, "list of strings", v);
  return v.get<std::vector<std::string>>();
}
bool Config::get_bool(const std::string& key, bool fallback) const { return has(key) ? get_bool(key) : fallback; }
int64_t Config::get_int(const std::string& key, int64_t fallback) const { return has(key) ? get_int(key) : fallback; }
double Config::get_float(const std::string& key, double fallback) const { return has(key) ? get_float(key) : fallback; }
std::string Config::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

Config Config::section(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return Config(Json::object(), full_key(key));
  if (!it->is_object()) wrong_type(*this, key, "table", *it);
  return Config(*it, full_key(key));
}

}  // namespace nas
