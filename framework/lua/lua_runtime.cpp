#include "lua_runtime.hpp"

#include <cmath>
#include <cstdlib>

#include "../src/host_context.hpp"
#include "../src/session.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"

namespace nas::host {

namespace {
/// Each level of a table holds a key and a value on the Lua stack (plus lua_next's work).
constexpr int kStackSlotsPerLevel = 4;

[[noreturn]] void too_deep(const char* what) {
  throw Error(std::string(what) + " is nested deeper than " + std::to_string(kMaxDataNesting) +
              " levels (or a table contains itself)");
}

Json lua_to_json_at(lua_State* L, int index, int depth);
void push_json_at(lua_State* L, const Json& v, int depth);
}  // namespace

Json lua_to_json(lua_State* L, int index) { return lua_to_json_at(L, index, 0); }
void push_json(lua_State* L, const Json& value) { push_json_at(L, value, 0); }

namespace {
Json lua_to_json_at(lua_State* L, int index, int depth) {
  index = lua_absindex(L, index);
  switch (lua_type(L, index)) {
    case LUA_TNIL:
      return Json();
    case LUA_TBOOLEAN:
      return Json(static_cast<bool>(lua_toboolean(L, index)));
    case LUA_TNUMBER:
      if (lua_isinteger(L, index)) return Json(static_cast<int64_t>(lua_tointeger(L, index)));
      return Json(lua_tonumber(L, index));
    case LUA_TSTRING:
      return Json(std::string(lua_tostring(L, index)));
    case LUA_TTABLE: {
      // A self-referencing table would recurse forever; a deep one would overflow the stack.
      if (depth >= kMaxDataNesting) too_deep("a Lua table");
      if (!lua_checkstack(L, kStackSlotsPerLevel)) too_deep("a Lua table");
      const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, index));
      bool is_array = n > 0;
      size_t count = 0;
      lua_pushnil(L);
      while (lua_next(L, index)) {
        ++count;
        if (!lua_isinteger(L, -2)) is_array = false;
        lua_pop(L, 1);
      }
      if (is_array && static_cast<lua_Integer>(count) == n) {
        Json arr = Json::array();
        for (lua_Integer i = 1; i <= n; ++i) {
          lua_rawgeti(L, index, i);
          arr.push_back(lua_to_json_at(L, -1, depth + 1));
          lua_pop(L, 1);
        }
        return arr;
      }
      Json obj = Json::object();
      lua_pushnil(L);
      while (lua_next(L, index)) {
        std::string key;
        if (lua_type(L, -2) == LUA_TSTRING) {
          key = lua_tostring(L, -2);
        } else if (lua_isinteger(L, -2)) {
          key = std::to_string(lua_tointeger(L, -2));
        } else {
          lua_pop(L, 2);
          throw Error("table keys must be strings or integers");
        }
        obj[key] = lua_to_json_at(L, -1, depth + 1);
        lua_pop(L, 1);
      }
      return obj;
    }
    default:
      throw Error(std::string("cannot convert a Lua ") + luaL_typename(L, index) + " to a config value");
  }
}

void push_json_at(lua_State* L, const Json& v, int depth) {
  // Lua guarantees a C function only LUA_MINSTACK free slots; every level below uses one
  // more, so the stack is grown explicitly (without it a deep value corrupts the heap).
  if (v.is_structured() && (depth >= kMaxDataNesting || !lua_checkstack(L, kStackSlotsPerLevel)))
    too_deep("a value handed to Lua");
  if (v.is_null()) {
    lua_pushnil(L);
  } else if (v.is_boolean()) {
    lua_pushboolean(L, v.get<bool>());
  } else if (v.is_number_integer()) {
    lua_pushinteger(L, v.get<int64_t>());
  } else if (v.is_number()) {
    lua_pushnumber(L, v.get<double>());
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    lua_pushlstring(L, s.data(), s.size());
  } else if (v.is_array()) {
    lua_createtable(L, static_cast<int>(v.size()), 0);
    lua_Integer i = 1;
    for (const auto& e : v) {
      push_json_at(L, e, depth + 1);
      lua_rawseti(L, -2, i++);
    }
  } else {
    lua_createtable(L, 0, static_cast<int>(v.size()));
    for (const auto& [k, e] : v.items()) {
      push_json_at(L, e, depth + 1);
      lua_setfield(L, -2, k.c_str());
    }
  }
}
}  // namespace

namespace {

int traceback_handler(lua_State* L) {
  const char* msg = lua_tostring(L, 1);
  if (!msg) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

const char kSessionForHook = 'H';

Session& hook_session(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kSessionForHook);
  auto* s = static_cast<Session*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *s;
}

/// Runs every kStopHookInstructions VM instructions: a pure Lua loop has no other place
/// where the stop flag is seen. It raises again after a pcall swallowed the first error,
/// so a script cannot keep running by accident once asked to stop or exit.
constexpr int kStopHookInstructions = 10000;
void stop_hook(lua_State* L, lua_Debug*) {
  if (stop_signal_received()) luaL_error(L, "interrupted (%s)", stop_signal_name());
  if (hook_session(L).exit_code) luaL_error(L, "os.exit(%d)", *hook_session(L).exit_code);
}

/// os.exit(code | true | false): ends the script through the host, which records how the
/// run ended (Lua's own os.exit would end the process with run.json still "running").
int script_exit(lua_State* L) {
  int code = EXIT_SUCCESS;
  if (lua_isboolean(L, 1))
    code = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
  else
    code = static_cast<int>(luaL_optinteger(L, 1, EXIT_SUCCESS));
  hook_session(L).exit_code = code;
  return luaL_error(L, "os.exit(%d)", code);
}

void install_host_controls(lua_State* L, Session& session) {
  lua_pushlightuserdata(L, &session);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kSessionForHook);
  lua_sethook(L, stop_hook, LUA_MASKCOUNT, kStopHookInstructions);
  lua_getglobal(L, "os");
  lua_pushcfunction(L, script_exit);
  lua_setfield(L, -2, "exit");
  lua_pop(L, 1);
}

}  // namespace

namespace {
/// The files behind the loaded modules that package.path finds (the script's helpers; the
/// standard libraries and `nas` have none). Empty if the script broke `package`.
std::vector<std::filesystem::path> required_module_files(lua_State* L) {
  static const char* kCollect = R"(
    local files = {}
    for name in pairs(package.loaded) do
      if type(name) == "string" then
        local file = package.searchpath(name, package.path)
        if file then files[#files + 1] = file end
      end
    end
    table.sort(files)
    return files)";
  std::vector<std::filesystem::path> files;
  const int top = lua_gettop(L);
  if (luaL_dostring(L, kCollect) == LUA_OK && lua_istable(L, -1)) {
    const lua_Integer n = luaL_len(L, -1);
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, i);
      if (const char* f = lua_tostring(L, -1)) files.emplace_back(f);
      lua_pop(L, 1);
    }
  }
  lua_settop(L, top);
  return files;
}
}  // namespace

void run_lua_script(Session& session, const std::filesystem::path& script,
                    std::vector<std::filesystem::path>* required_files) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(script, ec))
    throw Error("script '" + script.string() + "' does not exist (try `nashost run scripts/hello.lua`)");

  std::unique_ptr<lua_State, decltype(&lua_close)> state(luaL_newstate(), &lua_close);
  if (!state) throw Error("cannot create a Lua state (out of memory)");
  lua_State* L = state.get();
  luaL_openlibs(L);
  // Scripts may `require` helpers from the folder of the script and scripts/lib/.
  const std::string dir = script.parent_path().empty() ? "." : script.parent_path().string();
  lua_getglobal(L, "package");
  lua_pushstring(L, (dir + "/?.lua;" + dir + "/lib/?.lua;" + dir + "/../lib/?.lua").c_str());
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  open_nas_library(L, session);
  open_distributed_library(L, session);
  install_host_controls(L, session);

  lua_pushcfunction(L, traceback_handler);
  const int handler = lua_gettop(L);
  const std::string chunk = "@" + script.string();
  const std::string source = nas::read_text_file(script);
  if (luaL_loadbuffer(L, source.data(), source.size(), chunk.c_str()) != LUA_OK) {
    std::string msg = lua_tostring(L, -1);
    throw LuaError("Lua syntax error: " + msg);
  }
  const bool ok = lua_pcall(L, 0, 0, handler) == LUA_OK;
  std::string msg = ok ? "" : lua_tostring(L, -1) ? lua_tostring(L, -1) : "unknown error";
  lua_sethook(L, nullptr, 0, 0);  // the script is over; the module listing below must run
  if (required_files) *required_files = required_module_files(L);
  if (!ok && session.exit_code) throw ScriptExit(*session.exit_code);
  if (!ok) throw LuaError("Lua error: " + msg);
}

}  // namespace nas::host
