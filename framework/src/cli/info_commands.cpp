// nashost plugins, describe, genotype and bench: the commands that inspect rather than run.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdio>

#include "commands.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_enas_dag.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/genotype_macro.hpp"
#include "nashost/io.hpp"

namespace nas::host {
namespace fs = std::filesystem;

void load_plugins(Plugins& p, const std::vector<std::string>& cli_paths) {
  p.loader = std::make_unique<PluginLoader>(p.registry);
  for (const auto& dir : plugin_search_path(cli_paths)) p.loader->load_directory(dir);
  for (const auto& o : p.loader->report())
    if (!o.loaded) spdlog::debug("plugin {} skipped: {}", o.library.string(), o.reason);
}

int cmd_plugins(Plugins& p) {
  std::printf("%-16s %-14s %-8s %-20s %s\n", "NAME", "KIND", "VERSION", "PLUGIN", "DESCRIPTION");
  for (const ComponentEntry* e : p.registry.all())
    std::printf("%-16s %-14s %-8s %-20s %s\n", e->info.name.c_str(), component_kind_name(e->kind),
                e->from.version.c_str(), e->from.plugin.c_str(), e->info.description.c_str());
  std::printf("\nLoad report (folders searched in order):\n");
  for (const auto& dir : p.loader->searched())
    std::printf("  %s%s\n", dir.c_str(), fs::is_directory(dir) ? "" : "  (does not exist)");
  for (const auto& o : p.loader->report()) {
    if (o.loaded)
      std::printf("  loaded   %s  [%s %s]\n", o.library.c_str(), o.plugin.c_str(), o.version.c_str());
    else
      std::printf("  SKIPPED  %s: %s\n", o.library.c_str(), o.reason.c_str());
  }
  return 0;
}

int cmd_describe(Plugins& p, const std::string& name) {
  std::vector<const ComponentEntry*> matches;
  for (const ComponentEntry* e : p.registry.all())
    if (e->info.name == name) matches.push_back(e);
  if (matches.empty()) {
    std::string msg = "unknown component '" + name + "'";
    auto near = p.registry.suggestions(name);
    if (!near.empty()) msg += "; did you mean '" + near.front() + "'?";
    throw ConfigError(msg + " (`nashost plugins` lists all)");
  }
  for (const ComponentEntry* e : matches) {
    std::printf("%s (%s) — %s\n  plugin %s %s, %s\n\nOptions:\n", e->info.name.c_str(), component_kind_name(e->kind),
                e->info.description.c_str(), e->from.plugin.c_str(), e->from.version.c_str(), e->from.library.c_str());
    if (e->info.options.empty()) std::printf("  (none)\n");
    for (const auto& o : e->info.options) {
      std::string help = o.help;
      for (size_t i = 0; i < o.old_names.size(); ++i)
        help += (i ? ", " : " (old name, deprecated: ") + o.old_names[i] + (i + 1 == o.old_names.size() ? ")" : "");
      std::printf("  %-24s %-16s default %-14s %s\n", o.key.c_str(), option_type_name(o.type),
                  o.default_value.is_null() ? "(required)" : o.default_value.dump().c_str(), help.c_str());
    }
    std::printf("\n");
  }
  return 0;
}

int cmd_genotype(const std::string& action, const fs::path& file, const std::string& to, const std::string& out) {
  // A published name (DARTS_V2) works wherever a file does, unless a file of that name exists.
  std::error_code ec;
  const auto names = named_genotype_names();
  const bool named = !fs::exists(file, ec) && std::find(names.begin(), names.end(), file.string()) != names.end();
  Genotype g = named ? named_genotype(file.string()) : load_genotype(file);
  if (action == "show") {
    std::printf("%s\n", is_macro_genotype(g) ? macro_network_text(g).c_str()
                        : g.is_cell()        ? to_darts_text(g, DartsTextLayout::Nested).c_str()
                                             : to_json(g).dump(2).c_str());
    return 0;
  }
  if (action == "plot") {
    const std::string base = out.empty() ? (file.parent_path() / file.stem()).string() : out;
    if (is_macro_genotype(g)) {
      render_dot(macro_network_to_dot(g, file.stem().string()), base + ".png");
      std::printf("%s.png\n", base.c_str());
    } else if (g.is_cell()) {
      render_dot(cell_to_dot(g.normal, "normal cell"), base + "-normal.png");
      render_dot(cell_to_dot(g.reduce, "reduction cell"), base + "-reduce.png");
      std::printf("%s-normal.png\n%s-reduce.png\n", base.c_str(), base.c_str());
    } else {
      render_dot(dag_to_dot(g.dag, file.stem().string()), base + ".png");
      std::printf("%s.png\n", base.c_str());
    }
    return 0;
  }
  if (action == "convert") {
    std::string text;
    if (is_macro_genotype(g) && to != "json" && to != "arc")
      throw ConfigError(
          "an ENAS macro genotype is a chain of layers, not DARTS cells: convert it --to json or --to arc "
          "(the authors' flat arc), not --to " +
          to);
    if (to == "json")
      text = to_json(g).dump(2);
    else if (to == "arc")
      text = macro_arc_text(g);
    else if (to == "darts")
      text = to_darts_text(g);
    else if (to == "darts-nested")
      text = to_darts_text(g, DartsTextLayout::Nested);
    else if (to == "darts-cc")
      text = to_darts_cc_json(g).dump();
    else if (to == "enas-dag")
      text = to_enas_dag_json(g);  // carpedm20's dag.json, no final newline as json.dump
    else
      throw ConfigError("--to must be json, darts, darts-nested, darts-cc, enas-dag or arc, got '" + to + "'");
    if (out.empty())
      std::printf("%s\n", text.c_str());
    else
      atomic_write_text(out, to == "enas-dag" ? text : text + "\n");
    return 0;
  }
  throw ConfigError("genotype action must be show, plot or convert");
}

int cmd_bench(const std::string& what, const std::vector<std::string>& args) {
  const fs::path exe = boost::dll::program_location().parent_path().string();
  const fs::path tool = exe / ("nashost-bench-" + what);
  if (!fs::exists(tool)) {
    std::string known;
    for (const auto& entry : fs::directory_iterator(exe)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("nashost-bench-", 0) == 0) known += (known.empty() ? "" : ", ") + name.substr(14);
    }
    throw ConfigError("no benchmark '" + what + "' (" + tool.string() + " is missing); available: " + known);
  }
  std::vector<std::string> argv_s{tool.string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(tool.c_str(), argv.data());
  throw Error("cannot start " + tool.string());
}

}  // namespace nas::host
