#include "config_loader.hpp"

#include <cctype>
#include <sstream>

#include <toml++/toml.h>

#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"

namespace nas::host {

namespace {

/// `depth` bounds the recursion: a config is a few levels deep, and every consumer of the
/// tree (the Lua bridge above all) walks it recursively.
Json to_json(const toml::node& node, const std::string& source, int depth = 0) {
  if ((node.is_table() || node.is_array()) && depth >= kMaxDataNesting)
    throw ConfigError(source + ": tables or arrays nested deeper than " + std::to_string(kMaxDataNesting) +
                      " levels (e.g. a dotted header [a.b.c....]); no config needs that");
  if (auto t = node.as_table()) {
    Json out = Json::object();
    for (const auto& [k, v] : *t) out[std::string(k.str())] = to_json(v, source, depth + 1);
    return out;
  }
  if (auto a = node.as_array()) {
    Json out = Json::array();
    for (const auto& v : *a) out.push_back(to_json(v, source, depth + 1));
    return out;
  }
  if (auto v = node.as_string()) return v->get();
  if (auto v = node.as_integer()) return v->get();
  if (auto v = node.as_floating_point()) return v->get();
  if (auto v = node.as_boolean()) return v->get();
  std::ostringstream s;  // dates and times stay text
  if (auto v = node.as_date())
    s << *v;
  else if (auto v = node.as_time())
    s << *v;
  else if (auto v = node.as_date_time())
    s << *v;
  return s.str();
}

/// toml++ limits nested arrays and inline tables itself, but not the components of a dotted key
/// or table header: `a.a.a. … = 1` with 50 000 components overflowed the stack inside the
/// library (a fuzzing finding, tests/fuzz/regressions/fuzz_config). So the longest dotted chain
/// is measured on the text first: dots joined only by bare-key characters, whitespace and quoted
/// keys. Numbers (`1.5, 2.5`) and dates break the chain at their commas.
void check_dotted_key_length(const std::string& text, const std::string& source) {
  int chain = 0, line = 1;
  auto is_key_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ' ' || c == '\t';
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') {  // skip a string: basic, literal, or multi-line of either
      const bool multi = text.compare(i, 3, std::string(3, c)) == 0;
      const std::string close = multi ? std::string(3, c) : std::string(1, c);
      size_t j = i + close.size();
      for (; j < text.size(); ++j) {
        if (c == '"' && text[j] == '\\') {
          ++j;
          continue;
        }
        if (!multi && text[j] == '\n') break;  // unterminated: the parser reports it
        if (text.compare(j, close.size(), close) == 0) break;
      }
      for (size_t k = i; k < j && k < text.size(); ++k) line += text[k] == '\n';
      i = j + close.size() - 1;
      continue;
    }
    if (c == '#') {  // comment to the end of the line
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '.') {
      if (++chain >= kMaxDataNesting)
        throw ConfigError(source + ":" + std::to_string(line) + ": a dotted key or table header of more than " +
                          std::to_string(kMaxDataNesting) + " parts; no config nests that deep");
      continue;
    }
    if (c == '\n') ++line;
    if (!is_key_char(c)) chain = 0;
  }
}

std::string keys_of(const Json& table) {
  std::string out;
  for (const auto& [k, _] : table.items()) out += (out.empty() ? "" : ", ") + k;
  return out.empty() ? "(none)" : out;
}

}  // namespace

Json parse_toml(const std::string& text, const std::string& source) {
  check_dotted_key_length(text, source);
  try {
    toml::table table = toml::parse(text, source);
    return to_json(table, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    std::ostringstream msg;
    msg << source << ":" << where.line << ":" << where.column << ": malformed TOML: " << e.description();
    throw ConfigError(msg.str());
  }
}

namespace {
Json load_toml_file_chain(const std::filesystem::path& file, std::vector<std::filesystem::path>& chain) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw ConfigError("config file '" + file.string() + "' does not exist" +
                      (chain.empty() ? std::string() : " (named by 'extends' in " + chain.back().string() + ")"));
  const auto canonical = std::filesystem::weakly_canonical(file, ec);
  for (const auto& seen : chain)
    if (seen == canonical) throw ConfigError("config file '" + file.string() + "' extends itself (through 'extends')");
  Json config = parse_toml(read_text_file(file), file.string());
  if (!config.contains("extends")) return config;
  // `extends = "base.toml"` (relative to this file): this file's tables are merged over the
  // base's, profiles included, so a variant config states only what differs.
  if (!config["extends"].is_string())
    throw ConfigError(file.string() + ": 'extends' must be a file name, e.g. extends = \"enas_ptb.toml\"");
  const std::filesystem::path base = file.parent_path() / config["extends"].get<std::string>();
  chain.push_back(canonical);
  Json merged = load_toml_file_chain(base, chain);
  chain.pop_back();
  config.erase("extends");
  deep_merge(merged, config);
  return merged;
}
}  // namespace

Json load_toml_file(const std::filesystem::path& file) {
  std::vector<std::filesystem::path> chain;
  return load_toml_file_chain(file, chain);
}

void deep_merge(Json& base, const Json& overlay) {
  if (!base.is_object() || !overlay.is_object()) {
    base = overlay;
    return;
  }
  for (const auto& [k, v] : overlay.items()) {
    if (base.contains(k) && base[k].is_object() && v.is_object())
      deep_merge(base[k], v);
    else
      base[k] = v;
  }
}

void apply_profile(Json& config, const std::string& requested) {
  if (!config.is_object()) return;
  std::string profile = requested;
  if (profile.empty() && config.contains("profile") && config["profile"].is_string())
    profile = config["profile"].get<std::string>();
  if (!config.contains("profiles")) {
    if (!requested.empty())
      throw ConfigError("profile '" + requested + "' was asked for, but this config has no [profiles] table");
    return;
  }
  if (profile.empty()) profile = "quick";
  const Json profiles = config["profiles"];
  if (!profiles.is_object() || !profiles.contains(profile))
    throw ConfigError("unknown profile '" + profile + "'; this config defines: " + keys_of(profiles));
  config.erase("profiles");
  deep_merge(config, profiles[profile]);
  config["profile"] = profile;
}

namespace {
const char* type_word(const Json& v) {
  if (v.is_boolean()) return "a boolean (true/false)";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a table";
  return "a value";
}
}  // namespace

// An override keeps the type the config has at that key: a typo such as
// `--set search.epochs=5O` is an error here, not a string that fails far later.
static Json typed_like(const Json& existing, const Json& value, const std::string& raw, const std::string& key) {
  if (existing.is_string()) return value.is_string() ? value : Json(raw);  // name=123 stays a name
  const bool ok = (existing.is_boolean() && value.is_boolean()) ||
                  (existing.is_number_integer() && value.is_number_integer()) ||
                  (existing.is_number_float() && value.is_number()) || value.is_array() ||
                  existing.is_array() ||  // options taking a number or a list (a size: 32 or [32, 48])
                  (existing.is_object() && value.is_object());
  if (!ok)
    throw ConfigError("--set " + key + "=" + raw + ": the config has " + type_word(existing) + " at " + key + " (" +
                      existing.dump() + "), and '" + raw + "' is " + type_word(value));
  if (existing.is_number_float() && value.is_number_integer()) return Json(value.get<double>());
  return value;
}

namespace {
/// A value for an option the TOML does not mention, in the type the component declares.
Json typed_as_declared(const OptionSpec& spec, const Json& value, const std::string& raw, const std::string& key) {
  switch (spec.type) {
    case OptionType::String:
      return value.is_string() ? value : Json(raw);
    case OptionType::Float:
      if (value.is_number()) return Json(value.get<double>());
      break;
    case OptionType::Int:
      if (value.is_number_integer()) return value;
      break;
    case OptionType::Bool:
      if (value.is_boolean()) return value;
      break;
    default:
      return value;  // lists, tables, any: the component checks them
  }
  throw ConfigError("--set " + key + "=" + raw + ": option '" + spec.key + "' takes " + option_type_name(spec.type) +
                    ", and '" + raw + "' is " + type_word(value));
}
}  // namespace

void apply_override(Json& config, const std::string& assignment, bool allow_new) {
  apply_override(config, assignment, allow_new, nullptr);
}

void apply_override(Json& config, const std::string& assignment, bool allow_new, const DeclaredOption& declared) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set expects section.key=value, got '" + assignment + "'");
  const std::string key = assignment.substr(0, eq);
  const std::string raw = assignment.substr(eq + 1);

  Json value;
  try {
    value = parse_toml("v = " + raw, "--set")["v"];
  } catch (const ConfigError&) {
    value = raw;  // a bare word such as cpu or fashion-mnist
  }

  Json* node = &config;
  std::string walked;
  std::stringstream parts(key);
  std::string part;
  std::vector<std::string> path;
  while (std::getline(parts, part, '.')) path.push_back(part);
  for (size_t i = 0; i < path.size(); ++i) {
    const bool last = i + 1 == path.size();
    if (!node->is_object()) throw ConfigError("--set " + key + ": '" + walked + "' is not a table");
    // A key the TOML leaves at its default is still a real option when a component
    // declares it (`nashost describe` lists it): take it, typed as declared.
    const OptionSpec* spec = (last && declared && !node->contains(path[i])) ? declared(path[i]) : nullptr;
    if (spec) value = typed_as_declared(*spec, value, raw, key);
    if (!node->contains(path[i]) && !allow_new && !spec)
      throw ConfigError("--set " + key + ": unknown key '" + (walked.empty() ? path[i] : walked + "." + path[i]) +
                        "'; valid keys " + (walked.empty() ? std::string("at the top level") : "in [" + walked + "]") +
                        ": " + keys_of(*node) +
                        (last && declared ? " (and no component declares an option '" + path[i] +
                                                "'; `nashost describe NAME` lists a component's options)"
                                          : std::string()));
    walked += (walked.empty() ? "" : ".") + path[i];
    if (last) {
      if (node->contains(path[i])) value = typed_like((*node)[path[i]], value, raw, key);
      (*node)[path[i]] = value;
    } else {
      if (!node->contains(path[i])) (*node)[path[i]] = Json::object();
      node = &(*node)[path[i]];
    }
  }
}

}  // namespace nas::host
