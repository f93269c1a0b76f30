#pragma once
// run.json in every run directory: for each invocation of `nashost run` on it (a resumed run
// adds one), the command, script, config, seed, device, kernel choice, plugin versions and
// the software it ran on, when it started and ended and how (finished, or failed with the
// message). Two runs can be compared from this one file, without their logs.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/config.hpp"

namespace nas::host {

/// What `nashost run` knows about an invocation when its script starts.
struct InvocationFacts {
  std::vector<std::string> command;  ///< argv
  std::filesystem::path script;
  std::filesystem::path config_file;  ///< empty: none
  std::string profile, device, kernels;
  uint64_t seed = 0;
  bool deterministic = false, resumed = false;
  Json plugins = Json::array();    ///< [{plugin, version, library}]
  Json config;                     ///< the resolved config this invocation ran with
  int world_size = 1;              ///< ranks of a distributed run
  std::string backend;             ///< c10d backend ("gloo"), empty for one process
  std::string precision = "fp32";  ///< --precision
};

/// Versions the numbers depend on: nashost and its build, LibTorch, CUDA and cuDNN where
/// present, CPU threads, host name.
Json software_facts();

/// How an invocation ended, as run.json says it.
enum class RunOutcome {
  Finished,     ///< "finished"
  Failed,       ///< "failed" + the error
  Interrupted,  ///< "interrupted": a stop signal (Ctrl-C, SIGTERM); completed work is kept
  Exited,       ///< "exited": the script called os.exit(code)
  Crashed,      ///< "crashed": std::terminate (an error that could not be handled)
};
const char* run_outcome_name(RunOutcome outcome);

class RunRecord {
 public:
  /// Appends this invocation, as "running", to run_dir/run.json. An earlier invocation
  /// still marked "running" ended without a word (kill -9, a crash, power loss): it is
  /// marked "died" (the caller holds the run directory's lock, so it is not running). (kept from earlier
  /// invocations; an unreadable one is set aside as run.json.unreadable, not overwritten),
  /// copies the script into the run directory (script.lua; script-<k>.lua for invocation k
  /// when its script differs from every copy there) and writes the file.
  RunRecord(const std::filesystem::path& run_dir, const std::string& run_name, InvocationFacts facts);
  /// This invocation ended: "finished", or "failed" with `error`; with its end and wall time,
  /// and copies of the Lua modules the script required (lua/<file>; lua/<stem>-<k>.lua for
  /// invocation k when that module's text differs from every copy there).
  void finish(bool ok, const std::string& error = "", const std::vector<std::filesystem::path>& modules = {});
  /// As above, for every way an invocation can end; `detail` is the error or the exit
  /// code's explanation ("" for Finished). Also records `exit_code`.
  void finish(RunOutcome outcome, const std::string& detail, int exit_code,
              const std::vector<std::filesystem::path>& modules = {});
  static constexpr const char* kFileName = "run.json";

 private:
  Json& invocation() { return doc_["invocations"].back(); }
  void write() const;

  std::filesystem::path dir_;
  Json doc_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace nas::host
