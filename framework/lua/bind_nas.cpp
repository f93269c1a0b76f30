// The `nas` table: the Lua API of nashost (see docs/lua-api.md).
//
// Conventions: expected failures (data files missing) return nil, message; misuse and
// bad options raise an error with the script position. Objects are userdata holding a
// shared_ptr, so a component and its plugin library live as long as Lua needs them.
#include <algorithm>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include <torch/utils.h>  // torch::manual_seed

#include "../src/config_loader.hpp"
#include "../src/export/model_export.hpp"
#include "../src/plot.hpp"
#include "../src/session.hpp"
#include "lua_object.hpp"
#include "lua_runtime.hpp"
#include "nashost/dataset.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_enas_dag.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/genotype_macro.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"
#include "nashost/strategy.hpp"
#include "nashost/version.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

constexpr const char* kDataset = "nas.Dataset";
constexpr const char* kSearch = "nas.Search";
constexpr const char* kTrainer = "nas.Trainer";
constexpr const char* kGenotype = "nas.Genotype";
const char kSessionKey = 'S';

Session& session(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kSessionKey);
  auto* s = static_cast<Session*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *s;
}

/// A running search and what the host keeps about it.
struct SearchHandle {
  std::shared_ptr<SearchStrategy> strategy;
  std::shared_ptr<Dataset> data;
  std::string name;
  std::string label;
  bool loaded_checkpoint = false;
  bool clock_counted = false;  ///< epochs done before this invocation told to the run clock
};

struct TrainerHandle {
  std::shared_ptr<Trainer> trainer;
  std::string name;
  int64_t epochs = 0;  ///< its "epochs" option when given: a training reused on --resume counts them as done
};

int64_t epochs_option(const Json& options) {
  return options.is_object() && options.contains("epochs") && options["epochs"].is_number_integer()
             ? options["epochs"].get<int64_t>()
             : 0;
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

// ---------------------------------------------------------------- config, info
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

int l_plugins(lua_State* L) {
  Session& s = session(L);
  Json list = Json::array();
  for (const ComponentEntry* e : s.registry->all())
    list.push_back(Json{{"name", e->info.name}, {"kind", component_kind_name(e->kind)},
                        {"plugin", e->from.plugin}, {"version", e->from.version},
                        {"library", e->from.library.string()}, {"description", e->info.description}});
  push_json(L, list);
  return 1;
}

int l_run_info(lua_State* L) {
  Session& s = session(L);
  push_json(L, Json{{"name", s.run_name}, {"dir", s.run_dir.string()}, {"device", s.context->device().str()},
                    {"seed", s.context->seed()}, {"resumed", s.resumed}, {"deterministic", s.options.deterministic},
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

/// Throws unless `name` is a relative path that stays below the folder it is joined to:
/// no root, no "..", no control characters (which would break the files that list it).
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

/// Where a script's output file `name` goes: a path nas.path made (already inside the run
/// directory) is kept; any other name must be relative and is placed in the run directory.
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

// ---------------------------------------------------------------- datasets
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
  push_object(L, std::move(data), kDataset);
  return 1;
}

int d_info(lua_State* L) {
  auto& d = check_object<Dataset>(L, 1, kDataset);
  const DatasetInfo& i = d->info();
  push_json(L, Json{{"name", i.name}, {"task", task_name(i.task)}, {"input_shape", i.input_shape},
                    {"num_outputs", i.num_outputs}, {"synthetic", i.synthetic}, {"source", i.source},
                    {"class_names", i.class_names}});
  return 1;
}

int d_size(lua_State* L) {
  auto& d = check_object<Dataset>(L, 1, kDataset);
  lua_pushinteger(L, d->size(parse_split(luaL_optstring(L, 2, "train"))));
  return 1;
}

int d_tostring(lua_State* L) {
  auto& d = check_object<Dataset>(L, 1, kDataset);
  lua_pushfstring(L, "nas.Dataset(%s%s)", d->info().name.c_str(), d->info().synthetic ? ", synthetic" : "");
  return 1;
}

// ---------------------------------------------------------------- genotypes
void push_genotype(lua_State* L, Genotype g) { push_object(L, std::make_shared<Genotype>(std::move(g)), kGenotype); }
Genotype& check_genotype(lua_State* L, int i) { return *check_object<Genotype>(L, i, kGenotype); }

/// The genotype as a person reads it: DARTS `Genotype(...)` text (nested when a node has
/// other than two inputs, as DARTS-CC cells may), else our JSON.
std::string readable_text(const Genotype& g) {
  if (is_macro_genotype(g)) return macro_network_text(g);
  if (!g.is_cell()) return to_json(g).dump();
  try {
    return to_darts_text(g);
  } catch (const Error&) {
    return to_darts_text(g, DartsTextLayout::Nested);
  }
}

int g_load(lua_State* L) {
  push_genotype(L, load_genotype(luaL_checkstring(L, 1)));
  return 1;
}
int g_named(lua_State* L) {
  push_genotype(L, named_genotype(luaL_checkstring(L, 1)));
  return 1;
}
int g_parse(lua_State* L) {
  const std::string text = luaL_checkstring(L, 1);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    const Json j = parse_json_text(text, "genotype text");
    push_genotype(L, j.is_array()             ? genotype_from_darts_cc_json(j)
                     : is_enas_dag_json(j)      ? genotype_from_enas_dag_json(j)  // carpedm20's dag.json
                                                : genotype_from_json(j));
  } else {
    push_genotype(L, parse_darts_text(text));
  }
  return 1;
}
int g_from_table(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  push_genotype(L, genotype_from_json(lua_to_json(L, 1)));
  return 1;
}
int g_save(lua_State* L) {
  Genotype& g = check_genotype(L, 1);
  const std::string path = luaL_checkstring(L, 2);
  const std::string format = luaL_optstring(L, 3, "json");
  if (format == "json")
    save_genotype(g, path);
  else if (format == "darts")
    atomic_write_text(path, to_darts_text(g) + "\n");
  else if (format == "darts-cc")
    atomic_write_text(path, to_darts_cc_json(g).dump() + "\n");
  else if (format == "enas-dag")
    atomic_write_text(path, to_enas_dag_json(g));  // carpedm20's dag.json, as json.dump writes it
  else
    throw Error("genotype:save: unknown format '" + format + "' (json, darts, darts-cc, enas-dag)");
  return 0;
}
int g_text(lua_State* L) {
  Genotype& g = check_genotype(L, 1);
  lua_pushstring(L, readable_text(g).c_str());
  return 1;
}
int g_json(lua_State* L) {
  push_json(L, to_json(check_genotype(L, 1)));
  return 1;
}
int g_plot(lua_State* L) {
  Genotype& g = check_genotype(L, 1);
  const fs::path out = output_in_run(session(L), luaL_checkstring(L, 2), "genotype:plot");
  fs::create_directories(out.parent_path());
  const std::string base = out.string();
  const std::string caption = luaL_optstring(L, 3, "");
  std::vector<std::string> pictures;
  if (is_macro_genotype(g)) {
    render_dot(macro_network_to_dot(g, caption), base + ".png");
    pictures = {base + ".png"};
  } else if (g.is_cell()) {
    render_dot(cell_to_dot(g.normal, caption.empty() ? "normal cell" : caption + " (normal)"), base + "-normal.png");
    render_dot(cell_to_dot(g.reduce, caption.empty() ? "reduction cell" : caption + " (reduce)"), base + "-reduce.png");
    pictures = {base + "-normal.png", base + "-reduce.png"};
  } else {
    render_dot(dag_to_dot(g.dag, caption), base + ".png");
    pictures = {base + ".png"};
  }
  // The pictures and the genotype's text in TensorBoard too, beside the run's curves.
  Session& s = session(L);
  const std::string name = fs::path(base).filename().string();
  for (const auto& png : pictures) s.context->metrics_writer().image("genotypes/" + fs::path(png).stem().string(), png, 0);
  s.context->metrics().text("genotypes/" + name, readable_text(g), 0);
  return 0;
}
int g_index(lua_State* L) {
  Genotype& g = check_genotype(L, 1);
  const std::string key = luaL_checkstring(L, 2);
  if (key == "space") {
    lua_pushstring(L, g.space.c_str());
    return 1;
  }
  if (key == "meta") {
    push_json(L, g.meta);
    return 1;
  }
  luaL_getmetafield(L, 1, "methods");
  lua_getfield(L, -1, key.c_str());
  return 1;
}
int g_set_meta(lua_State* L) {
  Genotype& g = check_genotype(L, 1);
  const std::string key = luaL_checkstring(L, 2);
  g.meta[key] = lua_to_json(L, 3);
  return 0;
}
int g_tostring(lua_State* L) {
  Genotype& g = check_genotype(L, 1);
  lua_pushstring(L, ("nas.Genotype(" + g.space + ")").c_str());
  return 1;
}

// ---------------------------------------------------------------- searches
fs::path checkpoint_file(Session& s, const std::string& label) {
  return s.run_dir / "checkpoints" / (label + ".ckpt");
}

int l_search(lua_State* L) {
  Session& s = session(L);
  const std::string name = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  auto data = check_field_object<Dataset>(L, 2, "dataset", kDataset, "nas.search");
  lua_pop(L, 1);
  const Json options = opt_json_field(L, 2, "options");
  auto handle = std::make_shared<SearchHandle>();
  handle->name = name;
  handle->label = opt_string_field(L, 2, "label", name);
  handle->data = data;
  handle->strategy = s.registry->make_strategy(name, options, data, *s.context);
  const fs::path ckpt = checkpoint_file(s, handle->label);
  std::error_code ec;
  if (s.resumed && !fs::exists(ckpt, ec))
    s.log->warn("--resume: search '{}' has no checkpoint ({}): it starts again from epoch 1 (the earlier run had not "
                "completed an epoch of it, or the file was removed)",
                handle->label, ckpt.string());
  if (fs::exists(ckpt, ec)) {
    handle->strategy->load(ckpt);
    handle->loaded_checkpoint = true;
    s.log->info("search '{}': resumed from {} after epoch {}/{}", handle->label, ckpt.string(),
                handle->strategy->completed_epochs(), handle->strategy->total_epochs());
  }
  push_object(L, handle, kSearch);
  return 1;
}

std::string metrics_line(const Metrics& m) {
  std::string out;
  char buf[96];
  for (const auto& [k, v] : m) {
    std::snprintf(buf, sizeof(buf), "%s%s %.4g", out.empty() ? "" : ", ", k.c_str(), v);
    out += buf;
  }
  return out;
}

int s_run(lua_State* L) {
  Session& s = session(L);
  auto& h = check_object<SearchHandle>(L, 1, kSearch);
  const int64_t until = luaL_optinteger(L, 2, h->strategy->total_epochs());
  Metrics last;
  // An epoch cut short by the signal is not checkpointed: the checkpoint on disk stays the
  // one of the last complete epoch, so --resume repeats the cut one in full (the same
  // result as a run that was never stopped).
  int64_t epoch_on_disk = h->strategy->completed_epochs();
  const auto stop_if_requested = [&] {
    if (!s.context->stop_requested()) return;
    s.log->warn("search '{}': stopped by {}; {}, continue with --resume", h->label, stop_signal_name(),
                epoch_on_disk > 0 ? "the checkpoint after epoch " + std::to_string(epoch_on_disk) + " is kept"
                                  : std::string("no epoch had completed"));
    throw Interrupted("search '" + h->label + "' interrupted by " + stop_signal_name());
  };
  if (!h->clock_counted) {  // epochs a resumed search does not run again
    s.clock.epochs_skipped(RunClock::Kind::Search, h->strategy->completed_epochs());
    h->clock_counted = true;
  }
  double search_seconds = 0;
  int64_t timed_epochs = 0;
  while (h->strategy->completed_epochs() < std::min(until, h->strategy->total_epochs())) {
    stop_if_requested();
    const auto t0 = std::chrono::steady_clock::now();
    try {
      last = h->strategy->run_epoch();
    } catch (const NumericError& e) {  // diverged: say what is still good on disk
      const int64_t done = h->strategy->completed_epochs();
      throw NumericError(std::string(e.what()) + "; search '" + h->label + "': " +
                         (done > 0 ? "the checkpoint after epoch " + std::to_string(done) + " is kept (" +
                                         checkpoint_file(s, h->label).string() + ")"
                                   : std::string("no epoch had completed, nothing was saved")));
    }
    stop_if_requested();
    const int64_t epoch = h->strategy->completed_epochs();
    for (const auto& [k, v] : last) {
      if (!std::isfinite(v))
        s.log->warn("search '{}': metric {} is {} at epoch {}", h->label, k, v, epoch);
      s.context->metrics().scalar(h->label + "/" + k, v, epoch);
    }
    s.context->metrics().flush();
    const fs::path ckpt = checkpoint_file(s, h->label);
    try {
      // Every rank holds the same search state and rank 0 keeps it, unless the search is
      // part of a nas.parallel trial, which only the rank running it has.
      if (s.is_main_rank() || s.record_capture) atomic_write_file(ckpt, [&](const fs::path& tmp) { h->strategy->save(tmp); });
    } catch (const Error& e) {  // a full disk, above all: say what is still good
      throw Error(std::string(e.what()) + "; search '" + h->label + "': " +
                  (epoch_on_disk > 0 ? "the checkpoint after epoch " + std::to_string(epoch_on_disk) + " is kept"
                                     : std::string("no checkpoint was saved")) +
                  "; free space and continue with --resume");
    }
    epoch_on_disk = epoch;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.clock.epoch_done(RunClock::Kind::Search, secs);
    search_seconds += secs;
    ++timed_epochs;
    const double stage_eta = static_cast<double>(h->strategy->total_epochs() - epoch) * search_seconds / timed_epochs;
    s.log->info("{} epoch {}/{} ({:.1f}s; {}): {}", h->label, epoch, h->strategy->total_epochs(), secs,
                s.clock.status(stage_eta), metrics_line(last));
  }
  Json m = Json::object();
  for (const auto& [k, v] : last) m[k] = v;
  push_json(L, m);
  return 1;
}

int s_epoch(lua_State* L) {
  lua_pushinteger(L, check_object<SearchHandle>(L, 1, kSearch)->strategy->completed_epochs());
  return 1;
}
int s_total_epochs(lua_State* L) {
  lua_pushinteger(L, check_object<SearchHandle>(L, 1, kSearch)->strategy->total_epochs());
  return 1;
}
int s_state(lua_State* L) {
  push_json(L, check_object<SearchHandle>(L, 1, kSearch)->strategy->state_summary());
  return 1;
}
int s_derive(lua_State* L) {
  auto& h = check_object<SearchHandle>(L, 1, kSearch);
  const Json args = table_arg(L, 2);
  auto genotypes = h->strategy->derive(Config(args, h->name + ".derive"));
  lua_createtable(L, static_cast<int>(genotypes.size()), 0);
  for (size_t i = 0; i < genotypes.size(); ++i) {
    genotypes[i].meta["strategy"] = h->name;
    genotypes[i].meta["search_epoch"] = h->strategy->completed_epochs();
    push_genotype(L, std::move(genotypes[i]));
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  return 1;
}
int s_tostring(lua_State* L) {
  auto& h = check_object<SearchHandle>(L, 1, kSearch);
  lua_pushfstring(L, "nas.Search(%s, %d/%d epochs)", h->name.c_str(), static_cast<int>(h->strategy->completed_epochs()),
                  static_cast<int>(h->strategy->total_epochs()));
  return 1;
}

// ---------------------------------------------------------------- trainers
int l_trainer(lua_State* L) {
  Session& s = session(L);
  auto h = std::make_shared<TrainerHandle>();
  h->name = luaL_checkstring(L, 1);
  const Json options = table_arg(L, 2);
  h->trainer = s.registry->make_trainer(h->name, options, *s.context);
  h->epochs = epochs_option(options);
  push_object(L, h, kTrainer);
  return 1;
}

Json train_one(Session& s, TrainerHandle& h, Genotype g, Dataset& data, std::string label) {
  if (label.empty())
    label = g.meta.value("label", h.name + "-" + std::to_string(++s.unlabelled_trainings[h.name]));
  g.meta["label"] = label;
  const fs::path result_file = s.run_dir / "train" / label / "result.json";
  if (s.resumed && fs::exists(result_file)) {
    Json cached = parse_json_text(read_text_file(result_file), result_file.string());
    if (cached.value("genotype", Json()) == to_json(g)) {
      s.log->info("train '{}': already done in this run, reusing {}", label, result_file.string());
      s.clock.epochs_skipped(RunClock::Kind::Training, h.epochs);
      return cached["result"];
    }
  }
  s.log->info("train '{}' with {}", label, h.name);
  s.in_training = true;  // its epochs' progress reports are training epochs (the status line)
  TrainResult r;
  try {
    r = h.trainer->train(g, data);
  } catch (...) {
    s.in_training = false;
    throw;
  }
  s.in_training = false;
  // A trainer stops early when asked to; its result is partial and must not be cached as
  // this training's result (a --resume would reuse it).
  if (s.context->stop_requested())
    throw Interrupted("training '" + label + "' interrupted by " + std::string(stop_signal_name()) + " (not recorded)");
  Json out = Json::object();
  out["label"] = label;
  out["params"] = r.params;
  for (const auto& [k, v] : r.metrics) out[k] = v;
  out["model_file"] = r.model_file.string();
  atomic_write_text(result_file, Json{{"genotype", to_json(g)}, {"result", out}}.dump(2) + "\n");
  for (const auto& [k, v] : r.metrics) s.context->metrics().scalar("train/" + label + "/" + k, v, 0);
  s.context->metrics().flush();
  return out;
}

int t_train(lua_State* L) {
  Session& s = session(L);
  auto& h = check_object<TrainerHandle>(L, 1, kTrainer);
  Genotype g = check_genotype(L, 2);
  auto data = check_object<Dataset>(L, 3, kDataset);
  std::string label;
  if (lua_istable(L, 4)) label = opt_string_field(L, 4, "label", "");
  push_json(L, train_one(s, *h, std::move(g), *data, label));
  return 1;
}

int t_params(lua_State* L) {
  auto& h = check_object<TrainerHandle>(L, 1, kTrainer);
  Genotype& g = check_genotype(L, 2);
  auto data = check_object<Dataset>(L, 3, kDataset);
  lua_pushinteger(L, h->trainer->count_params(g, *data));
  return 1;
}

int t_tostring(lua_State* L) {
  lua_pushfstring(L, "nas.Trainer(%s)", check_object<TrainerHandle>(L, 1, kTrainer)->name.c_str());
  return 1;
}

/// nas.train{trainer=, genotype=, dataset=, options=, label=}
int l_train(lua_State* L) {
  Session& s = session(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  TrainerHandle h;
  h.name = opt_string_field(L, 1, "trainer", "");
  if (h.name.empty()) throw Error("nas.train: field 'trainer' (a trainer name such as 'darts-eval') is required");
  const Json options = opt_json_field(L, 1, "options");
  h.trainer = s.registry->make_trainer(h.name, options, *s.context);
  h.epochs = epochs_option(options);
  Genotype g = *check_field_object<Genotype>(L, 1, "genotype", kGenotype, "nas.train",
                                             "; make one with nas.genotype.named('DARTS_V2'), "
                                             "nas.genotype.load(file) or search:derive()");
  auto data = check_field_object<Dataset>(L, 1, "dataset", kDataset, "nas.train");
  lua_pop(L, 2);
  push_json(L, train_one(s, h, std::move(g), *data, opt_string_field(L, 1, "label", "")));
  return 1;
}

// ---------------------------------------------------------------- results
/// Lua tables carry no key order, so a recorded row's columns are put in a fixed order:
/// the columns that identify a row first, then the rest alphabetically. Scripts that want
/// another order pass nas.report{columns = {...}}.
Json ordered_row(const Json& row) {
  static const std::vector<std::string> identifying = {"name", "label", "run", "strategy", "method", "dataset"};
  Json out = Json::object();
  for (const auto& key : identifying)
    if (row.contains(key)) out[key] = row[key];
  std::vector<std::string> rest;
  for (const auto& [key, _] : row.items())
    if (!out.contains(key)) rest.push_back(key);
  std::sort(rest.begin(), rest.end());
  for (const auto& key : rest) out[key] = row[key];
  return out;
}

int l_record(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const Json row = lua_to_json(L, 1);
  if (!row.is_object()) throw Error("nas.record: expects a table of named values, e.g. nas.record{name = 'a', accuracy = 0.9}");
  Session& s = session(L);
  if (s.record_capture) s.record_capture->push_back(ordered_row(row));  // inside nas.parallel: replayed in order
  else s.results.record(ordered_row(row));
  return 0;
}

int l_report(lua_State* L) {
  Session& s = session(L);
  const Json args = table_arg(L, 1);
  const std::string title = args.value("title", std::string("Results"));
  std::vector<std::string> columns;
  if (args.contains("columns")) columns = args["columns"].get<std::vector<std::string>>();
  const std::string table = s.results.format_table(title, columns);
  if (!s.is_main_rank()) return 0;  // every rank holds the same rows; rank 0 reports them
  std::fprintf(stdout, "\n%s", table.c_str());
  std::fflush(stdout);
  s.results.write(s.run_dir, columns);
  atomic_write_text(s.run_dir / "results.txt", table);
  s.log->info("results written to {}", (s.run_dir / "results.csv").string());
  return 0;
}

int l_plot_scatter(lua_State* L) {
  Session& s = session(L);
  const Json a = table_arg(L, 1);
  ScatterPlot p;
  p.title = a.value("title", std::string());
  p.xlabel = a.value("xlabel", std::string("x"));
  p.ylabel = a.value("ylabel", std::string("y"));
  p.logx = a.value("logx", false);
  for (const auto& series : a.value("series", Json::array())) {
    PlotSeries ps;
    ps.label = series.value("label", std::string());
    for (const auto& v : series.value("x", Json::array())) ps.x.push_back(v.get<double>());
    for (const auto& v : series.value("y", Json::array())) ps.y.push_back(v.get<double>());
    p.series.push_back(std::move(ps));
  }
  const fs::path base = output_in_run(s, a.value("file", std::string("plot")), "nas.plot.scatter");
  if (!s.is_main_rank()) {  // rank 0 draws
    lua_pushstring(L, (base.string() + ".png").c_str());
    return 1;
  }
  fs::create_directories(base.parent_path());
  render_scatter(p, base);
  s.context->metrics_writer().image("plots/" + base.filename().string(), base.string() + ".png", 0);
  lua_pushstring(L, (base.string() + ".png").c_str());
  return 1;
}

/// nas.plot.bar{file=, title=, ylabel=, categories={...}, series={{label=, values={...}}, ...}}
int l_plot_bar(lua_State* L) {
  Session& s = session(L);
  const Json a = table_arg(L, 1);
  BarPlot p;
  p.title = a.value("title", std::string());
  p.ylabel = a.value("ylabel", std::string());
  for (const auto& c : a.value("categories", Json::array()))
    p.categories.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  if (p.categories.empty()) throw Error("nas.plot.bar: 'categories' (a list of bar-group names) is required");
  for (const auto& series : a.value("series", Json::array())) {
    PlotSeries ps;
    ps.label = series.value("label", std::string());
    for (const auto& v : series.value("values", Json::array())) ps.y.push_back(v.is_number() ? v.get<double>() : NAN);
    if (ps.y.size() != p.categories.size())
      throw Error("nas.plot.bar: series '" + ps.label + "' has " + std::to_string(ps.y.size()) + " values for " +
                  std::to_string(p.categories.size()) + " categories");
    p.series.push_back(std::move(ps));
  }
  const fs::path base = output_in_run(s, a.value("file", std::string("bars")), "nas.plot.bar");
  if (!s.is_main_rank()) {  // rank 0 draws
    lua_pushstring(L, (base.string() + ".png").c_str());
    return 1;
  }
  fs::create_directories(base.parent_path());
  render_bars(p, base);
  s.context->metrics_writer().image("plots/" + base.filename().string(), base.string() + ".png", 0);
  lua_pushstring(L, (base.string() + ".png").c_str());
  return 1;
}

/// nas.export(model_file [, dir]) -> the folder written: the model as PyTorch weights +
/// config (docs/export.md); dir defaults to <run>/export/<label>. A dir the script names
/// must stay inside the run directory, as every output name.
int l_export(lua_State* L) {
  Session& s = session(L);
  const fs::path model = luaL_checkstring(L, 1);
  const fs::path out = lua_isnoneornil(L, 2) ? default_export_dir(model)
                                             : output_in_run(s, luaL_checkstring(L, 2), "nas.export");
  const ExportResult r = export_model(model, out);
  s.log->info("exported {} ({}) to {}", r.model_file.string(), r.network, r.dir.string());
  lua_pushstring(L, r.dir.string().c_str());
  return 1;
}

void set_functions(lua_State* L, const luaL_Reg* fns) { luaL_setfuncs(L, fns, 0); }

}  // namespace

void open_nas_library(lua_State* L, Session& s) {
  lua_pushlightuserdata(L, &s);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kSessionKey);

  static const luaL_Reg dataset_methods[] = {{"info", safe<d_info>}, {"size", safe<d_size>}, {nullptr, nullptr}};
  define_type<Dataset>(L, kDataset, dataset_methods, safe<d_tostring>);
  static const luaL_Reg search_methods[] = {{"run", safe<s_run>},       {"epoch", safe<s_epoch>},
                                            {"total_epochs", safe<s_total_epochs>},
                                            {"state", safe<s_state>},   {"derive", safe<s_derive>},
                                            {nullptr, nullptr}};
  define_type<SearchHandle>(L, kSearch, search_methods, safe<s_tostring>);
  static const luaL_Reg trainer_methods[] = {{"train", safe<t_train>}, {"params", safe<t_params>}, {nullptr, nullptr}};
  define_type<TrainerHandle>(L, kTrainer, trainer_methods, safe<t_tostring>);

  // Genotypes expose fields (space, meta) as well as methods, so __index is a function.
  static const luaL_Reg genotype_methods[] = {{"save", safe<g_save>}, {"text", safe<g_text>},
                                              {"json", safe<g_json>}, {"plot", safe<g_plot>},
                                              {"set_meta", safe<g_set_meta>}, {nullptr, nullptr}};
  define_type<Genotype>(L, kGenotype, genotype_methods, safe<g_tostring>);
  luaL_getmetatable(L, kGenotype);
  lua_getfield(L, -1, "__index");
  lua_setfield(L, -2, "methods");
  lua_pushcfunction(L, safe<g_index>);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  lua_newtable(L);
  static const luaL_Reg nas_functions[] = {
      {"config", safe<l_config>},   {"plugins", safe<l_plugins>}, {"run_info", safe<l_run_info>},
      {"path", safe<l_path>},       {"dataset", safe<l_dataset>}, {"search", safe<l_search>},
      {"trainer", safe<l_trainer>}, {"train", safe<l_train>},     {"record", safe<l_record>},
      {"report", safe<l_report>},   {"seed", safe<l_seed>},  {"plan", safe<l_plan>},       {"export", safe<l_export>},
      {"read_toml", safe<l_read_toml>}, {nullptr, nullptr}};
  set_functions(L, nas_functions);
  lua_pushstring(L, sdk_version_string().c_str());
  lua_setfield(L, -2, "version");

  lua_newtable(L);
  static const luaL_Reg log_functions[] = {{"debug", safe<l_log<spdlog::level::debug>>},
                                           {"info", safe<l_log<spdlog::level::info>>},
                                           {"warn", safe<l_log<spdlog::level::warn>>},
                                           {"error", safe<l_log<spdlog::level::err>>},
                                           {nullptr, nullptr}};
  set_functions(L, log_functions);
  lua_setfield(L, -2, "log");

  lua_newtable(L);
  static const luaL_Reg genotype_functions[] = {{"load", safe<g_load>},   {"named", safe<g_named>},
                                                {"parse", safe<g_parse>}, {"from_table", safe<g_from_table>},
                                                {nullptr, nullptr}};
  set_functions(L, genotype_functions);
  lua_setfield(L, -2, "genotype");

  lua_newtable(L);
  static const luaL_Reg plot_functions[] = {{"scatter", safe<l_plot_scatter>}, {"bar", safe<l_plot_bar>}, {nullptr, nullptr}};
  set_functions(L, plot_functions);
  lua_setfield(L, -2, "plot");

  lua_setglobal(L, "nas");
}

}  // namespace nas::host
