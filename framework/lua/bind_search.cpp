// nas.search and the Search methods; the policy (resume, checkpoints, status line) is
// framework/src/search_run.
#include "../src/search_run.hpp"
#include "bind_support.hpp"
#include "nashost/dataset.hpp"

namespace nas::host {

namespace {

/// nas.search(name, {dataset = d, options = {...}, label = name}) -> Search; on --resume it
/// continues from the search's last checkpoint.
int l_search(lua_State* L) {
  Session& s = session(L);
  const std::string name = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  auto data = check_field_object<Dataset>(L, 2, "dataset", kDatasetType, "nas.search");
  lua_pop(L, 1);
  const Json options = opt_json_field(L, 2, "options");
  push_object(L, open_search(s, name, options, data, opt_string_field(L, 2, "label", name)), kSearchType);
  return 1;
}

/// search:run([until_epoch]) -> the last epoch's metrics; checkpoint after every epoch.
int s_run(lua_State* L) {
  auto& h = check_object<SearchRun>(L, 1, kSearchType);
  const Metrics last = run_search(session(L), *h, luaL_optinteger(L, 2, h->strategy->total_epochs()));
  Json m = Json::object();
  for (const auto& [k, v] : last) m[k] = v;
  push_json(L, m);
  return 1;
}

/// search:epoch() -> completed epochs
int s_epoch(lua_State* L) {
  lua_pushinteger(L, check_object<SearchRun>(L, 1, kSearchType)->strategy->completed_epochs());
  return 1;
}
/// search:total_epochs()
int s_total_epochs(lua_State* L) {
  lua_pushinteger(L, check_object<SearchRun>(L, 1, kSearchType)->strategy->total_epochs());
  return 1;
}
/// search:state() -> the strategy's summary (e.g. alpha matrices) as a table
int s_state(lua_State* L) {
  push_json(L, check_object<SearchRun>(L, 1, kSearchType)->strategy->state_summary());
  return 1;
}
/// search:derive([args]) -> { Genotype, ... } (args are the strategy's, e.g. {lambda = 0.5})
int s_derive(lua_State* L) {
  auto& h = check_object<SearchRun>(L, 1, kSearchType);
  auto genotypes = derive_genotypes(*h, table_arg(L, 2));
  lua_createtable(L, static_cast<int>(genotypes.size()), 0);
  for (size_t i = 0; i < genotypes.size(); ++i) {
    push_genotype(L, std::move(genotypes[i]));
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}
int s_tostring(lua_State* L) {
  auto& h = check_object<SearchRun>(L, 1, kSearchType);
  lua_pushfstring(L, "nas.Search(%s, %d/%d epochs)", h->name.c_str(), static_cast<int>(h->strategy->completed_epochs()),
                  static_cast<int>(h->strategy->total_epochs()));
  return 1;
}

}  // namespace

void add_search_bindings(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"run", safe<s_run>},     {"epoch", safe<s_epoch>},   {"total_epochs", safe<s_total_epochs>},
      {"state", safe<s_state>}, {"derive", safe<s_derive>}, {nullptr, nullptr}};
  define_type<SearchRun>(L, kSearchType, methods, safe<s_tostring>);
  lua_pushcfunction(L, safe<l_search>);
  lua_setfield(L, -2, "search");
}

}  // namespace nas::host
