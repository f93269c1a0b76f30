// nas.dataset and the Dataset methods.
#include "bind_support.hpp"
#include "nashost/dataset.hpp"
#include "nashost/error.hpp"

namespace nas::host {

namespace {

/// nas.dataset(name [, options]) -> Dataset, or nil, message when its files are absent (a
/// script may fall back); damaged files and bad options raise an error.
int l_dataset(lua_State* L) {
  Session& s = session(L);
  const std::string name = luaL_checkstring(L, 1);
  const Json options = table_arg(L, 2);
  std::shared_ptr<Dataset> data;
  try {
    data = s.registry->make_dataset(name, options, *s.context);
  } catch (const DataMissingError& e) {
    // Only absent files give nil, msg: a script may then fall back (loudly) to other data.
    lua_pushnil(L);
    lua_pushstring(L, e.what());
    return 2;
  } catch (const DataError& e) {
    // Files that are there but damaged stop the script (a Lua error naming the file):
    // falling back would silently turn a broken benchmark into synthetic numbers.
    throw DataError("dataset '" + name + "': " + e.what() +
                    " (the data files exist but cannot be used: replace them; nashost does not fall back to other "
                    "data for damaged files)");
  }
  const DatasetInfo& info = data->info();
  if (info.synthetic)
    s.log->warn("dataset '{}' is SYNTHETIC (generated data, not a real benchmark): {}", info.name, info.source);
  else
    s.log->info("dataset '{}' from {}", info.name, info.source);
  push_object(L, std::move(data), kDatasetType);
  return 1;
}

/// dataset:info() -> {name, task, input_shape, num_outputs, synthetic, source, class_names}
int d_info(lua_State* L) {
  auto& d = check_object<Dataset>(L, 1, kDatasetType);
  const DatasetInfo& i = d->info();
  push_json(L, Json{{"name", i.name},
                    {"task", task_name(i.task)},
                    {"input_shape", i.input_shape},
                    {"num_outputs", i.num_outputs},
                    {"synthetic", i.synthetic},
                    {"source", i.source},
                    {"class_names", i.class_names}});
  return 1;
}

/// dataset:size([split = "train"]) -> examples in train | valid | test | train_full
int d_size(lua_State* L) {
  auto& d = check_object<Dataset>(L, 1, kDatasetType);
  lua_pushinteger(L, d->size(parse_split(luaL_optstring(L, 2, "train"))));
  return 1;
}

int d_tostring(lua_State* L) {
  auto& d = check_object<Dataset>(L, 1, kDatasetType);
  lua_pushfstring(L, "nas.Dataset(%s%s)", d->info().name.c_str(), d->info().synthetic ? ", synthetic" : "");
  return 1;
}

}  // namespace

void add_dataset_bindings(lua_State* L) {
  static const luaL_Reg methods[] = {{"info", safe<d_info>}, {"size", safe<d_size>}, {nullptr, nullptr}};
  define_type<Dataset>(L, kDatasetType, methods, safe<d_tostring>);
  lua_pushcfunction(L, safe<l_dataset>);
  lua_setfield(L, -2, "dataset");
}

}  // namespace nas::host
