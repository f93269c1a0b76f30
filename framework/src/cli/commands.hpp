#pragma once
// The subcommands of `nashost` (framework/src/main.cpp parses the command line and maps
// errors to exit codes; each command lives in this folder).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../plugin_loader.hpp"
#include "../registry.hpp"
#include "../session.hpp"

namespace nas::host {

/// The components of every plugin found on the plugin path, and the load report.
struct Plugins {
  Registry registry;
  std::unique_ptr<PluginLoader> loader;
};
void load_plugins(Plugins& p, const std::vector<std::string>& cli_paths);

/// nashost plugins: every component, then the load report (folders, loaded, skipped + why).
int cmd_plugins(Plugins& p);
/// nashost describe NAME: a component's options with types and defaults.
int cmd_describe(Plugins& p, const std::string& name);
/// nashost run SCRIPT: opens (or resumes) the run directory, runs the script, records the
/// outcome in run.json; throws what the script threw, after recording it.
int cmd_run(Plugins& p, RunOptions opts, const std::vector<std::string>& command);
/// nashost genotype show|plot|convert FILE|NAME
int cmd_genotype(const std::string& action, const std::filesystem::path& file, const std::string& to,
                 const std::string& out);
/// nashost bench WHAT ARGS...: execs bin/nashost-bench-WHAT (no return on success).
int cmd_bench(const std::string& what, const std::vector<std::string>& args);

}  // namespace nas::host
