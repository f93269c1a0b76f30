#pragma once
// Everything one `nashost run` owns: the registry, the run directory and context,
// the resolved config, recorded results. The Lua bindings operate on a Session.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "host_context.hpp"
#include "registry.hpp"
#include "results.hpp"
#include "run_clock.hpp"

namespace nas::host {

struct RunOptions {
  std::filesystem::path script;
  std::filesystem::path config_file;   ///< empty: configs/<script stem>.toml if it exists
  std::vector<std::string> overrides;  ///< --set
  std::string profile;                 ///< --profile
  std::string name;                    ///< --name (default: script stem)
  bool resume = false;
  std::string device = "auto";
  uint64_t seed = 0;
  std::filesystem::path runs_root = "runs";
  bool progress = true;
  bool deterministic = false;      ///< --deterministic (algorithm_choice.hpp)
  std::string precision = "fp32";  ///< --precision (nashost/nn/precision.hpp)
  int dist_timeout_seconds = 300;  ///< --dist-timeout: rendezvous, collectives, silent ranks
};

struct Session {
  const Registry* registry = nullptr;
  RunOptions options;
  std::filesystem::path run_dir;
  std::string run_name;
  bool resumed = false;
  std::unique_ptr<RunContext> context;
  Json config = Json::object();  ///< resolved (profile + overrides)
  bool config_loaded = false;
  Results results;
  std::shared_ptr<spdlog::logger> log;
  /// Trainings without a label are named <trainer>-<n>, n counted per trainer name over the
  /// whole run, so two handles of one trainer never share run_dir/train/<label>/.
  std::map<std::string, int> unlabelled_trainings;
  /// Set when the script called os.exit(code): the host ends the run (recording it) with
  /// that exit code instead of letting Lua end the process behind its back.
  std::optional<int> exit_code;
  /// The other ranks of a distributed run (nullptr: one process).
  class Distributed* dist = nullptr;
  /// nas.parallel collects the rows a trial records here, to replay them in item order.
  std::vector<Json>* record_capture = nullptr;
  int parallel_calls = 0;
  /// Elapsed time and the script's ETA for the status line after every epoch (nas.plan).
  RunClock clock;
  /// Inside nas.train: a finished progress is a training epoch.
  bool in_training = false;
  /// Rank 0 (or the only process) writes the run directory's shared files.
  bool is_main_rank() const;
};

/// Resolves the config of `options` (file, profile, --set); throws ConfigError. With a
/// registry, --set also accepts options its components declare that the file leaves out.
Json resolve_config(const RunOptions& options, std::filesystem::path* used_file, const Registry* registry = nullptr);

}  // namespace nas::host
