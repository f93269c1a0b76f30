// nas.record, nas.report, nas.plot.*, nas.export: what a run leaves for people to read.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "../src/export/model_export.hpp"
#include "../src/plot.hpp"
#include "bind_support.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

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

/// nas.record{key = value, ...}: appends a row to the run's results
int l_record(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const Json row = lua_to_json(L, 1);
  if (!row.is_object())
    throw Error("nas.record: expects a table of named values, e.g. nas.record{name = 'a', accuracy = 0.9}");
  Session& s = session(L);
  if (s.record_capture)
    s.record_capture->push_back(ordered_row(row));  // inside nas.parallel: replayed in order
  else
    s.results.record(ordered_row(row));
  return 0;
}

/// nas.report{title = ..., columns = {...}}: prints the results table and writes
/// results.{txt,csv,json} (rank 0)
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

/// What every nas.plot.* does once the plot is described: rank 0 draws it to `base` (.png and
/// .svg) and shows it in TensorBoard; every rank returns the PNG's path.
int draw_plot(lua_State* L, Session& s, const fs::path& base, const std::function<void(const fs::path&)>& render) {
  if (s.is_main_rank()) {
    fs::create_directories(base.parent_path());
    render(base);
    s.context->metrics_writer().image("plots/" + base.filename().string(), base.string() + ".png", 0);
  }
  lua_pushstring(L, (base.string() + ".png").c_str());
  return 1;
}

/// nas.plot.scatter{file, title, xlabel, ylabel, logx, series = {{label, x = {...}, y = {...}}, ...}}
/// -> the PNG's path (also SVG, and the picture in TensorBoard)
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
  return draw_plot(L, s, output_in_run(s, a.value("file", std::string("plot")), "nas.plot.scatter"),
                   [&](const fs::path& base) { render_scatter(p, base); });
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
  return draw_plot(L, s, output_in_run(s, a.value("file", std::string("bars")), "nas.plot.bar"),
                   [&](const fs::path& base) { render_bars(p, base); });
}

/// nas.export(model_file [, dir]) -> the folder written: the model as PyTorch weights +
/// config (docs/export.md); dir defaults to <run>/export/<label>. A dir the script names
/// must stay inside the run directory, as every output name.
int l_export(lua_State* L) {
  Session& s = session(L);
  const fs::path model = luaL_checkstring(L, 1);
  const fs::path out =
      lua_isnoneornil(L, 2) ? default_export_dir(model) : output_in_run(s, luaL_checkstring(L, 2), "nas.export");
  const ExportResult r = export_model(model, out);
  s.log->info("exported {} ({}) to {}", r.model_file.string(), r.network, r.dir.string());
  lua_pushstring(L, r.dir.string().c_str());
  return 1;
}

}  // namespace

void add_results_bindings(lua_State* L) {
  static const luaL_Reg functions[] = {
      {"record", safe<l_record>}, {"report", safe<l_report>}, {"export", safe<l_export>}, {nullptr, nullptr}};
  luaL_setfuncs(L, functions, 0);
  lua_newtable(L);
  static const luaL_Reg plot_functions[] = {
      {"scatter", safe<l_plot_scatter>}, {"bar", safe<l_plot_bar>}, {nullptr, nullptr}};
  luaL_setfuncs(L, plot_functions, 0);
  lua_setfield(L, -2, "plot");
}

}  // namespace nas::host
