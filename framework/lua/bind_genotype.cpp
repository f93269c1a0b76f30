// nas.genotype.* and the Genotype methods and fields.
#include <spdlog/spdlog.h>

#include "bind_support.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_enas_dag.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/genotype_macro.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

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

/// nas.genotype.load(path) -> Genotype (our JSON, DARTS text, DARTS-CC
/// JSON, carpedm20's dag.json)
int g_load(lua_State* L) {
  push_genotype(L, load_genotype(luaL_checkstring(L, 1)));
  return 1;
}
/// nas.genotype.named("DARTS_V2") -> Genotype: a published genotype
int g_named(lua_State* L) {
  push_genotype(L, named_genotype(luaL_checkstring(L, 1)));
  return 1;
}
/// nas.genotype.parse(text) -> Genotype from any of the text forms load reads
int g_parse(lua_State* L) {
  const std::string text = luaL_checkstring(L, 1);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    const Json j = parse_json_text(text, "genotype text");
    push_genotype(L, j.is_array()          ? genotype_from_darts_cc_json(j)
                     : is_enas_dag_json(j) ? genotype_from_enas_dag_json(j)  // carpedm20's dag.json
                                           : genotype_from_json(j));
  } else {
    push_genotype(L, parse_darts_text(text));
  }
  return 1;
}
/// nas.genotype.from_table(t) -> Genotype from our JSON form as a table
int g_from_table(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  push_genotype(L, genotype_from_json(lua_to_json(L, 1)));
  return 1;
}
/// genotype:save(path [, "json" | "darts" | "darts-cc" | "enas-dag"])
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
/// genotype:text() -> the form a person reads (DARTS text, the macro layer list, JSON)
int g_text(lua_State* L) {
  Genotype& g = check_genotype(L, 1);
  lua_pushstring(L, readable_text(g).c_str());
  return 1;
}
/// genotype:json() -> our JSON form as a table
int g_json(lua_State* L) {
  push_json(L, to_json(check_genotype(L, 1)));
  return 1;
}
/// genotype:plot(path_without_extension [, caption]): Graphviz pictures (cells, the macro
/// network or the RNN DAG), also sent to TensorBoard with the genotype's text.
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
  for (const auto& png : pictures)
    s.context->metrics_writer().image("genotypes/" + fs::path(png).stem().string(), png, 0);
  s.context->metrics().text("genotypes/" + name, readable_text(g), 0);
  return 0;
}
/// genotype.space, genotype.meta (a copy), and the methods.
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
/// genotype:set_meta(key, value)
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

}  // namespace

void add_genotype_bindings(lua_State* L) {
  // Genotypes expose fields (space, meta) as well as methods, so __index is a function.
  static const luaL_Reg methods[] = {{"save", safe<g_save>}, {"text", safe<g_text>},         {"json", safe<g_json>},
                                     {"plot", safe<g_plot>}, {"set_meta", safe<g_set_meta>}, {nullptr, nullptr}};
  define_type<Genotype>(L, kGenotypeType, methods, safe<g_tostring>);
  luaL_getmetatable(L, kGenotypeType);
  lua_getfield(L, -1, "__index");
  lua_setfield(L, -2, "methods");
  lua_pushcfunction(L, safe<g_index>);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  lua_newtable(L);
  static const luaL_Reg functions[] = {{"load", safe<g_load>},
                                       {"named", safe<g_named>},
                                       {"parse", safe<g_parse>},
                                       {"from_table", safe<g_from_table>},
                                       {nullptr, nullptr}};
  luaL_setfuncs(L, functions, 0);
  lua_setfield(L, -2, "genotype");
}

}  // namespace nas::host
