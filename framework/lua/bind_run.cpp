// nas.config, nas.read_toml, nas.plugins, nas.run_info, nas.seed, nas.plan, nas.path,
// nas.log: the run itself.
#include <spdlog/spdlog.h>

#include <torch/utils.h>  // torch::manual_seed

#include "../src/config_loader.hpp"
#include "bind_support.hpp"
#include "nashost/error.hpp"
#include "nashost/version.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

/// nas.config([file]) -> table: the run's resolved config (profile and --set merged); with
/// `file`, that config file resolved the same way.
int l_config(lua_State* L) {
  Session& s = session(L);
  if (!lua_isnoneornil(L, 1)) {
    RunOptions opts = s.options;
    opts.config_file = luaL_checkstring(L, 1);
    push_json(L, resolve_config(opts, nullptr, s.registry));
    return 1;
  }
  push_json(L, s.config);
  return 1;
}

/// nas.read_toml(path) -> the TOML file as a table, nothing merged in (no profile, no --set):
/// for data files such as the published figures the scripts draw beside a run's own.
int l_read_toml(lua_State* L) {
  push_json(L, load_toml_file(luaL_checkstring(L, 1)));
  return 1;
}

/// nas.plugins() -> { {name, kind, plugin, version, library, description}, ... }
int l_plugins(lua_State* L) {
  Session& s = session(L);
  Json list = Json::array();
  for (const ComponentEntry* e : s.registry->all())
    list.push_back(Json{{"name", e->info.name},
                        {"kind", component_kind_name(e->kind)},
                        {"plugin", e->from.plugin},
                        {"version", e->from.version},
                        {"library", e->from.library.string()},
                        {"description", e->info.description}});
  push_json(L, list);
  return 1;
}

/// nas.run_info() -> {name, dir, device, seed, resumed, deterministic, precision, profile}
int l_run_info(lua_State* L) {
  Session& s = session(L);
  push_json(L, Json{{"name", s.run_name},
                    {"dir", s.run_dir.string()},
                    {"device", s.context->device().str()},
                    {"seed", s.context->seed()},
                    {"resumed", s.resumed},
                    {"deterministic", s.options.deterministic},
                    {"precision", s.options.precision},
                    {"profile", s.config.value("profile", std::string(""))}});
  return 1;
}

/// nas.seed() -> the current seed; nas.seed(n) sets it (torch's generator too) and returns
/// the previous one. Components made afterwards, and trainings started afterwards, use n.
int l_seed(lua_State* L) {
  Session& s = session(L);
  const uint64_t previous = s.context->seed();
  if (!lua_isnoneornil(L, 1)) {
    const lua_Integer n = luaL_checkinteger(L, 1);
    if (n < 0) throw Error("nas.seed: the seed must be >= 0, got " + std::to_string(n));
    s.context->set_seed(static_cast<uint64_t>(n));
    torch::manual_seed(static_cast<uint64_t>(n));
    s.log->info("seed set to {}", n);
  }
  lua_pushinteger(L, static_cast<lua_Integer>(previous));
  return 1;
}

/// nas.plan{search_epochs = S, train_epochs = T}: what the script will run, so the status
/// line after every epoch can say how far the whole script is and its ETA (run_clock.hpp).
int l_plan(lua_State* L) {
  Session& s = session(L);
  const Json plan = table_arg(L, 1);
  if (!plan.is_object()) throw Error("nas.plan: give a table {search_epochs = n, train_epochs = n}");
  int64_t epochs[2] = {0, 0};
  for (const auto& [key, value] : plan.items()) {
    const int k = key == "search_epochs" ? 0 : key == "train_epochs" ? 1 : -1;
    if (k < 0) throw Error("nas.plan: unknown key '" + key + "' (search_epochs, train_epochs)");
    if (!value.is_number_integer() || value.get<int64_t>() < 0)
      throw Error("nas.plan: " + key + " must be an integer >= 0, got " + value.dump());
    epochs[k] = value.get<int64_t>();
  }
  s.clock.plan(epochs[0], epochs[1]);
  s.log->info("plan: {} search epochs, {} training epochs", epochs[0], epochs[1]);
  return 0;
}

/// nas.path(part, ...) -> absolute path inside the run directory (parent folders created);
/// parts must be relative names (no root, no "..").
int l_path(lua_State* L) {
  Session& s = session(L);
  fs::path p = s.run_dir;
  const int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    const std::string part = luaL_checkstring(L, i);
    check_relative_name(part, "nas.path");
    p /= part;
  }
  if (n > 0) fs::create_directories(p.parent_path());
  lua_pushstring(L, p.string().c_str());
  return 1;
}

/// nas.log.debug|info|warn|error(fmt, ...): string.format, to the console and log.txt.
template <spdlog::level::level_enum Level>
int l_log(lua_State* L) {
  Session& s = session(L);
  // nas.log.info(fmt, ...) formats with string.format.
  const int n = lua_gettop(L);
  std::string text;
  if (n > 1) {
    lua_getglobal(L, "string");
    lua_getfield(L, -1, "format");
    for (int i = 1; i <= n; ++i) lua_pushvalue(L, i);
    lua_call(L, n, 1);
    text = lua_tostring(L, -1);
    lua_pop(L, 2);
  } else {
    text = luaL_tolstring(L, 1, nullptr);
    lua_pop(L, 1);
  }
  s.context->logger("script")->log(Level, "{}", text);
  return 0;
}

}  // namespace

void add_run_bindings(lua_State* L) {
  static const luaL_Reg functions[] = {{"config", safe<l_config>},   {"read_toml", safe<l_read_toml>},
                                       {"plugins", safe<l_plugins>}, {"run_info", safe<l_run_info>},
                                       {"seed", safe<l_seed>},       {"plan", safe<l_plan>},
                                       {"path", safe<l_path>},       {nullptr, nullptr}};
  luaL_setfuncs(L, functions, 0);
  lua_pushstring(L, sdk_version_string().c_str());
  lua_setfield(L, -2, "version");

  lua_newtable(L);
  static const luaL_Reg log_functions[] = {{"debug", safe<l_log<spdlog::level::debug>>},
                                           {"info", safe<l_log<spdlog::level::info>>},
                                           {"warn", safe<l_log<spdlog::level::warn>>},
                                           {"error", safe<l_log<spdlog::level::err>>},
                                           {nullptr, nullptr}};
  luaL_setfuncs(L, log_functions, 0);
  lua_setfield(L, -2, "log");
}

}  // namespace nas::host
