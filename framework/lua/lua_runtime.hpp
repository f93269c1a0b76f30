#pragma once
// The embedded Lua 5.4: state setup, running a script with file:line errors and a
// traceback, and conversions between Lua values and JSON.
#include <filesystem>
#include <string>

#include <lua.hpp>

#include "nashost/config.hpp"

namespace nas::host {

struct Session;

/// A Lua error with the script position and traceback already in the message.
class LuaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The script called os.exit(code); the host records the run's end and exits with `code`.
class ScriptExit : public std::runtime_error {
 public:
  explicit ScriptExit(int code) : std::runtime_error("os.exit(" + std::to_string(code) + ")"), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

/// Runs `script` with the `nas` API bound to `session`. Throws LuaError (syntax or
/// runtime error: "scripts/x.lua:12: message" plus traceback), ScriptExit or nas::Error.
/// A stop signal (Ctrl-C) ends even a pure Lua loop within a moment: a count hook raises
/// an error once stop_signal_received(). When
/// `required_files` is given, it receives the files of the modules the script `require`d
/// (also when it fails), for the run record.
void run_lua_script(Session& session, const std::filesystem::path& script,
                    std::vector<std::filesystem::path>* required_files = nullptr);

/// Lua value at `index` → JSON (tables with keys 1..n become arrays, others objects).
Json lua_to_json(lua_State* L, int index);
/// Pushes a JSON value as a Lua value.
void push_json(lua_State* L, const Json& value);

/// Registers the `nas` table (framework/lua/bind_nas.cpp).
void open_nas_library(lua_State* L, Session& session);
/// Adds nas.distributed and nas.parallel (framework/lua/bind_distributed.cpp).
void open_distributed_library(lua_State* L, Session& session);

}  // namespace nas::host
