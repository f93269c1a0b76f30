#include "bind_support.hpp"

#include <algorithm>

#include "nashost/error.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {
const char kSessionKey = 'S';
}  // namespace

void bind_session(lua_State* L, Session& s) {
  lua_pushlightuserdata(L, &s);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kSessionKey);
}

Session& session(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kSessionKey);
  auto* s = static_cast<Session*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *s;
}

std::string opt_string_field(lua_State* L, int table, const char* key, const std::string& fallback) {
  lua_getfield(L, table, key);
  std::string out = fallback;
  if (!lua_isnil(L, -1)) {
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      throw Error(std::string("field '") + key + "' must be a string");
    }
    out = lua_tostring(L, -1);
  }
  lua_pop(L, 1);
  return out;
}

Json opt_json_field(lua_State* L, int table, const char* key) {
  lua_getfield(L, table, key);
  Json out = lua_isnil(L, -1) ? Json::object() : lua_to_json(L, -1);
  lua_pop(L, 1);
  if (out.is_array() && out.empty()) out = Json::object();
  return out;
}

Json table_arg(lua_State* L, int index) {
  if (lua_isnoneornil(L, index)) return Json::object();
  luaL_checktype(L, index, LUA_TTABLE);
  Json j = lua_to_json(L, index);
  return (j.is_array() && j.empty()) ? Json::object() : j;
}

void check_relative_name(const std::string& name, const char* function) {
  const auto refuse = [&](const std::string& why) {
    throw Error(std::string(function) + ": '" + name + "' " + why +
                " (give a relative name inside the run directory; nas.path(...) builds one)");
  };
  if (name.empty()) refuse("is empty");
  const fs::path p(name);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) refuse("is an absolute path");
  for (const auto& part : p)
    if (part == "..") refuse("leaves the run directory");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) refuse("contains a control character");
}

/// Scripts themselves are trusted code, but names often come from data (genotype labels,
/// config values), and those must never write elsewhere.
fs::path output_in_run(const Session& s, const std::string& name, const char* function) {
  std::error_code ec;
  const fs::path run = fs::weakly_canonical(fs::absolute(s.run_dir), ec);
  const fs::path wanted = fs::weakly_canonical(fs::absolute(name), ec);
  if (!ec) {
    auto [run_end, _] = std::mismatch(run.begin(), run.end(), wanted.begin(), wanted.end());
    if (run_end == run.end()) return name;
  }
  check_relative_name(name, function);
  return s.run_dir / name;
}

void push_genotype(lua_State* L, Genotype g) {
  push_object(L, std::make_shared<Genotype>(std::move(g)), kGenotypeType);
}
Genotype& check_genotype(lua_State* L, int i) { return *check_object<Genotype>(L, i, kGenotypeType); }

}  // namespace nas::host
