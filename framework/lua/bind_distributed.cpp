// nas.distributed and nas.parallel: the Lua side of a run with several ranks.
//
//   nas.distributed.rank() -> 0-based rank      nas.distributed.world_size() -> ranks
//   nas.distributed.is_main() -> rank == 0      nas.distributed.barrier()
//   nas.distributed.all_reduce_sum({x, ...}) -> the sums over the ranks
//   nas.parallel(items, fn) -> {fn(items[1], 1), fn(items[2], 2), ...} on every rank
//
// nas.parallel runs item i on rank (i-1) % world_size, so independent trainings (the
// fine-tune per lambda, the random genotypes, ...) run side by side. Each trial's results
// and the rows it nas.record()s travel to every rank and are replayed in item order: the
// results table is the one a single process makes. Trials must depend only on their item
// (the trainers reseed from the run's seed at every training), not on what ran before them
// in the same process. With one rank it is a plain loop; inside a trial too.
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "../src/distributed.hpp"
#include "bind_support.hpp"
#include "nashost/collectives.hpp"
#include "nashost/error.hpp"
#include "nashost/json_text.hpp"

namespace nas::host {

namespace {

int l_rank(lua_State* L) {
  Session& s = session(L);
  lua_pushinteger(L, s.dist ? s.dist->rank() : 0);
  return 1;
}
int l_world_size(lua_State* L) {
  Session& s = session(L);
  lua_pushinteger(L, s.dist ? s.dist->size() : 1);
  return 1;
}
int l_is_main(lua_State* L) {
  lua_pushboolean(L, session(L).is_main_rank());
  return 1;
}
int l_barrier(lua_State* L) {
  if (Session& s = session(L); s.dist) s.dist->barrier();
  return 0;
}

/// nas.distributed.all_reduce_sum({numbers}) -> their sums over the ranks (a float64 tensor
/// through Gloo; with one rank, the numbers themselves).
int l_all_reduce_sum(lua_State* L) {
  Session& s = session(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  const auto n = static_cast<int64_t>(lua_rawlen(L, 1));
  at::Tensor t = at::empty({n}, at::kDouble);
  for (int64_t i = 0; i < n; ++i) {
    lua_rawgeti(L, 1, i + 1);
    t[i] = luaL_checknumber(L, -1);
    lua_pop(L, 1);
  }
  if (s.dist) s.dist->all_reduce_sum(t);
  lua_createtable(L, static_cast<int>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    lua_pushnumber(L, t[i].item<double>());
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/// Calls fn(item, i) (fn and item at the given stack slots) and returns its result and the
/// rows it recorded, as {"ok", "result", "records"} or {"ok": false, "error"}.
Json run_trial(lua_State* L, Session& s, int fn, int items, lua_Integer i) {
  std::vector<Json> records;
  s.record_capture = &records;
  // A trial is one rank's alone: a search or trainer it creates must not wait for the other
  // ranks in a collective (they run other trials), so it sees a one-process world.
  int rc = LUA_OK;
  {
    const OneProcessScope alone;
    lua_pushvalue(L, fn);
    lua_rawgeti(L, items, i);
    lua_pushinteger(L, i);
    rc = lua_pcall(L, 2, 1, 0);
  }
  s.record_capture = nullptr;
  if (rc != LUA_OK) {
    Json out{{"ok", false}, {"error", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error object is not a string"}};
    lua_pop(L, 1);
    return out;
  }
  Json result;
  try {
    result = lua_to_json(L, -1);
  } catch (const std::exception& e) {
    lua_pop(L, 1);
    return Json{{"ok", false}, {"error", std::string("its result cannot travel between ranks: ") + e.what()}};
  }
  lua_pop(L, 1);
  return Json{{"ok", true}, {"result", result}, {"records", records}};
}

int l_parallel(lua_State* L) {
  Session& s = session(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, 1));
  if (s.record_capture) {
    // Inside a trial (one rank runs it alone): a nested nas.parallel is a plain loop there,
    // and its rows go to the enclosing trial's.
    lua_createtable(L, static_cast<int>(n), 0);
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_pushvalue(L, 2);
      lua_rawgeti(L, 1, i);
      lua_pushinteger(L, i);
      lua_call(L, 2, 1);
      lua_rawseti(L, -2, i);
    }
    return 1;
  }
  const int world = s.dist ? s.dist->size() : 1, rank = s.dist ? s.dist->rank() : 0;
  const std::string call = "parallel/" + std::to_string(s.parallel_calls++) + "/";

  std::vector<Json> outcomes(static_cast<size_t>(n));
  std::vector<std::string> keys;
  for (lua_Integer i = 1; i <= n; ++i) {
    const auto owner = static_cast<int>((i - 1) % world);
    if (owner == rank) {
      outcomes[static_cast<size_t>(i - 1)] = run_trial(L, s, 2, 1, i);
      if (s.dist) s.dist->publish(call + std::to_string(i), outcomes[static_cast<size_t>(i - 1)].dump());
    }
    keys.push_back(call + std::to_string(i));
  }
  if (s.dist) {
    const auto texts = s.dist->collect(keys);
    for (size_t k = 0; k < texts.size(); ++k)
      if (outcomes[k].is_null()) outcomes[k] = parse_json_text(texts[k], "nas.parallel result");
  }
  lua_createtable(L, static_cast<int>(n), 0);
  for (lua_Integer i = 1; i <= n; ++i) {
    const Json& o = outcomes[static_cast<size_t>(i - 1)];
    if (!o.value("ok", false))
      throw Error("nas.parallel: item " + std::to_string(i) + " failed on rank " + std::to_string((i - 1) % world) +
                  ": " + o.value("error", std::string("(no message)")));
    for (const auto& row : o["records"]) s.results.record(row);
    push_json(L, o["result"]);
    lua_rawseti(L, -2, i);
  }
  return 1;
}

}  // namespace

void open_distributed_library(lua_State* L, Session& s) {
  bind_session(L, s);
  lua_getglobal(L, "nas");
  lua_newtable(L);
  static const luaL_Reg distributed[] = {
      {"rank", safe<l_rank>},       {"world_size", safe<l_world_size>},         {"is_main", safe<l_is_main>},
      {"barrier", safe<l_barrier>}, {"all_reduce_sum", safe<l_all_reduce_sum>}, {nullptr, nullptr}};
  luaL_setfuncs(L, distributed, 0);
  lua_setfield(L, -2, "distributed");
  lua_pushcfunction(L, safe<l_parallel>);
  lua_setfield(L, -2, "parallel");
  lua_pop(L, 1);
}

}  // namespace nas::host
