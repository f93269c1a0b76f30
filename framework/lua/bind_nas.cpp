// The `nas` table: the Lua API of nashost (docs/developing.md lists every function).
//
// Conventions: expected failures (data files missing) return nil, message; misuse and
// bad options raise an error with the script position. Objects are userdata holding a
// shared_ptr, so a component and its plugin library live as long as Lua needs them.
// One file per domain adds its part (bind_support.hpp); the policy behind them lives in
// framework/src.
#include "bind_support.hpp"

namespace nas::host {

void open_nas_library(lua_State* L, Session& s) {
  bind_session(L, s);
  lua_newtable(L);
  add_run_bindings(L);
  add_dataset_bindings(L);
  add_genotype_bindings(L);
  add_search_bindings(L);
  add_trainer_bindings(L);
  add_results_bindings(L);
  lua_setglobal(L, "nas");
}

}  // namespace nas::host
