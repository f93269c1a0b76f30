// nas.trainer, nas.train and the Trainer methods; the policy (one result per label, reused
// by --resume) is framework/src/training_run.
#include "../src/training_run.hpp"
#include "bind_support.hpp"
#include "nashost/dataset.hpp"
#include "nashost/error.hpp"

namespace nas::host {

namespace {

/// nas.trainer(name [, options]) -> Trainer
int l_trainer(lua_State* L) {
  Session& s = session(L);
  const std::string name = luaL_checkstring(L, 1);
  push_object(L, std::make_shared<TrainerRun>(make_trainer_run(s, name, table_arg(L, 2))), kTrainerType);
  return 1;
}

/// trainer:train(genotype, dataset [, {label = ...}]) -> {label, params, model_file, <metrics>}
int t_train(lua_State* L) {
  Session& s = session(L);
  auto& h = check_object<TrainerRun>(L, 1, kTrainerType);
  Genotype g = check_genotype(L, 2);
  auto data = check_object<Dataset>(L, 3, kDatasetType);
  std::string label;
  if (lua_istable(L, 4)) label = opt_string_field(L, 4, "label", "");
  push_json(L, train_recorded(s, *h, std::move(g), *data, label));
  return 1;
}

/// trainer:params(genotype, dataset) -> the network's parameter count, without training
int t_params(lua_State* L) {
  auto& h = check_object<TrainerRun>(L, 1, kTrainerType);
  Genotype& g = check_genotype(L, 2);
  auto data = check_object<Dataset>(L, 3, kDatasetType);
  lua_pushinteger(L, h->trainer->count_params(g, *data));
  return 1;
}

int t_tostring(lua_State* L) {
  lua_pushfstring(L, "nas.Trainer(%s)", check_object<TrainerRun>(L, 1, kTrainerType)->name.c_str());
  return 1;
}

/// nas.train{trainer = name, genotype = g, dataset = d, options = {...}, label = ...} -> as trainer:train
int l_train(lua_State* L) {
  Session& s = session(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  const std::string name = opt_string_field(L, 1, "trainer", "");
  if (name.empty()) throw Error("nas.train: field 'trainer' (a trainer name such as 'darts-eval') is required");
  TrainerRun run = make_trainer_run(s, name, opt_json_field(L, 1, "options"));
  Genotype g = *check_field_object<Genotype>(L, 1, "genotype", kGenotypeType, "nas.train",
                                             "; make one with nas.genotype.named('DARTS_V2'), "
                                             "nas.genotype.load(file) or search:derive()");
  auto data = check_field_object<Dataset>(L, 1, "dataset", kDatasetType, "nas.train");
  lua_pop(L, 2);
  push_json(L, train_recorded(s, run, std::move(g), *data, opt_string_field(L, 1, "label", "")));
  return 1;
}

}  // namespace

void add_trainer_bindings(lua_State* L) {
  static const luaL_Reg methods[] = {{"train", safe<t_train>}, {"params", safe<t_params>}, {nullptr, nullptr}};
  define_type<TrainerRun>(L, kTrainerType, methods, safe<t_tostring>);
  static const luaL_Reg functions[] = {{"trainer", safe<l_trainer>}, {"train", safe<l_train>}, {nullptr, nullptr}};
  luaL_setfuncs(L, functions, 0);
}

}  // namespace nas::host
