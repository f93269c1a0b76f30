#pragma once
// What the binding files of the `nas` table share (framework/lua/bind_*.cpp): the session,
// the userdata type names, argument helpers and the rule for output paths. Each binding
// file adds one domain (run, dataset, genotype, search, trainer, results) to the table;
// the policy behind them lives in framework/src (search_run, training_run, plot, ...).
#include <filesystem>
#include <string>

#include <lua.hpp>

#include "lua_object.hpp"
#include "lua_runtime.hpp"
#include "nashost/genotype.hpp"
#include "session.hpp"

namespace nas::host {

inline constexpr const char* kDatasetType = "nas.Dataset";
inline constexpr const char* kSearchType = "nas.Search";
inline constexpr const char* kTrainerType = "nas.Trainer";
inline constexpr const char* kGenotypeType = "nas.Genotype";

/// Makes `session` the one every binding of `L` sees.
void bind_session(lua_State* L, Session& session);
Session& session(lua_State* L);

/// Field `key` of the table at `table`: a string (nas::Error otherwise), `fallback` if nil.
std::string opt_string_field(lua_State* L, int table, const char* key, const std::string& fallback);
/// Field `key` as JSON; nil and {} give an empty object.
Json opt_json_field(lua_State* L, int table, const char* key);
/// Argument `index` as a JSON object (none/nil/{} → {}); a non-table raises a Lua error.
Json table_arg(lua_State* L, int index);

/// Throws unless `name` is a relative path that stays below the folder it is joined to:
/// no root, no "..", no control characters (which would break the files that list it).
void check_relative_name(const std::string& name, const char* function);
/// Where a script's output file `name` goes: a path nas.path made (already inside the run
/// directory) is kept; any other name must be relative and is placed in the run directory.
std::filesystem::path output_in_run(const Session& s, const std::string& name, const char* function);

void push_genotype(lua_State* L, Genotype g);
Genotype& check_genotype(lua_State* L, int index);

/// Each adds its functions to the `nas` table on top of the stack (and defines its types).
void add_run_bindings(lua_State* L);
void add_dataset_bindings(lua_State* L);
void add_genotype_bindings(lua_State* L);
void add_search_bindings(lua_State* L);
void add_trainer_bindings(lua_State* L);
void add_results_bindings(lua_State* L);

}  // namespace nas::host
