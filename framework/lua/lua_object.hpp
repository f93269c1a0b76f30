#pragma once
// Userdata that hold a shared_ptr, one metatable per bound type, and the trampoline
// that turns C++ exceptions into Lua errors carrying the script position.
#include <exception>
#include <memory>
#include <new>
#include <string>

#include <lua.hpp>

namespace nas::host {

template <class T>
struct LuaBox {
  std::shared_ptr<T> object;
};

/// Pushes `object` as userdata with metatable `type_name` (created by define_type).
template <class T>
void push_object(lua_State* L, std::shared_ptr<T> object, const char* type_name) {
  void* mem = lua_newuserdatauv(L, sizeof(LuaBox<T>), 1);
  new (mem) LuaBox<T>{std::move(object)};
  luaL_setmetatable(L, type_name);
}

/// The object at `index`; raises "bad argument #i (expected X, got Y)" otherwise.
template <class T>
std::shared_ptr<T>& check_object(lua_State* L, int index, const char* type_name) {
  auto* box = static_cast<LuaBox<T>*>(luaL_checkudata(L, index, type_name));
  if (!box->object) luaL_error(L, "%s object was already released", type_name);
  return box->object;
}

/// The object in field `field` of the table at `table` (left on the stack); raises
/// "<function>: field 'dataset' must be a nas.Dataset (got nil)" otherwise, which says
/// what to pass where luaL_checkudata would say "bad argument #-1".
template <class T>
std::shared_ptr<T>& check_field_object(lua_State* L, int table, const char* field, const char* type_name,
                                       const char* function, const char* hint = "") {
  lua_getfield(L, table, field);
  if (!luaL_testudata(L, -1, type_name))
    luaL_error(L, "%s: field '%s' must be a %s (got %s)%s", function, field, type_name, luaL_typename(L, -1), hint);
  return check_object<T>(L, -1, type_name);
}

/// __gc: releases the object. Idempotent, because a script can reach the metamethod
/// (getmetatable(x).__gc(x)) and call it twice; an empty shared_ptr owns nothing, so Lua
/// may free the box without running its destructor. Checks the type, because a script can
/// also hand it a different userdata.
template <class T>
int gc_object(lua_State* L) {
  if (auto* box = static_cast<LuaBox<T>*>(lua_touserdata(L, 1)); box && lua_getmetatable(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, lua_tostring(L, lua_upvalueindex(1)));
    const bool same_type = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (same_type) box->object.reset();
  }
  return 0;
}

/// Runs a binding; a std::exception becomes a Lua error (raised after the catch block
/// has ended, so the C++ exception is fully finished before Lua unwinds).
template <lua_CFunction F>
int safe(lua_State* L) {
  std::string message;
  try {
    return F(L);
  } catch (const std::exception& e) {
    message = e.what();
  }
  luaL_where(L, 1);
  lua_pushlstring(L, message.data(), message.size());
  lua_concat(L, 2);
  return lua_error(L);
}

/// Creates metatable `type_name` with `methods` as __index, a __gc, and __name.
template <class T>
void define_type(lua_State* L, const char* type_name, const luaL_Reg* methods, lua_CFunction tostring) {
  luaL_newmetatable(L, type_name);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, type_name);
  lua_pushcclosure(L, &gc_object<T>, 1);
  lua_setfield(L, -2, "__gc");
  // getmetatable(x) returns this string instead of the metatable, so scripts cannot call
  // or replace the metamethods.
  lua_pushstring(L, type_name);
  lua_setfield(L, -2, "__metatable");
  if (tostring) {
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
}

}  // namespace nas::host
