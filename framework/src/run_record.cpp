#include "run_record.hpp"

#include <unistd.h>

#include <ctime>
#include <thread>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <spdlog/spdlog.h>
#include <torch/version.h>

#include "nashost/io.hpp"
#include "nashost/json_text.hpp"
#include "nashost/version.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// The run directory's copy of `source` for invocation `number` (1-based), named `name`
/// ("script.lua", "lua/helpers.lua"; relative to `dir`): an existing copy with the same
/// text (`name` or an earlier invocation's <stem>-<k>.lua), else a new one.
std::string copy_source(const fs::path& dir, const fs::path& source, const std::string& name, size_t number) {
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) return "";
  const std::string text = read_text_file(source);
  const fs::path first(name);
  std::vector<std::string> names{name};
  for (size_t k = 2; k <= number; ++k)
    names.push_back((first.parent_path() / (first.stem().string() + "-" + std::to_string(k) + ".lua")).string());
  for (const auto& n : names)
    if (fs::is_regular_file(dir / n, ec) && read_text_file(dir / n) == text) return n;
  const std::string chosen = !fs::exists(dir / name, ec) ? names.front() : names.back();
  fs::create_directories((dir / chosen).parent_path());
  atomic_write_text(dir / chosen, text);
  return chosen;
}

}  // namespace

Json software_facts() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  Json j{{"nashost", sdk_version_string()},
         {"build", host_build_fingerprint()},
         {"torch", TORCH_VERSION},
         {"cpu_threads", at::get_num_threads()},
         {"cpu_cores", std::thread::hardware_concurrency()},
         {"host", std::string(host)}};
  const auto& cuda = at::detail::getCUDAHooks();
  if (at::hasCUDA()) {
    j["cuda"] = Json{{"devices", cuda.getNumGPUs()}, {"runtime", cuda.versionCUDART()}};
    if (cuda.hasCuDNN()) j["cuda"]["cudnn"] = cuda.versionCuDNN();
  } else {
    j["cuda"] = nullptr;
  }
  return j;
}

RunRecord::RunRecord(const fs::path& run_dir, const std::string& run_name, InvocationFacts facts)
    : dir_(run_dir), start_(std::chrono::steady_clock::now()) {
  const fs::path file = dir_ / kFileName;
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) {
    try {
      doc_ = parse_json_text(read_text_file(file), file.string());
      if (!doc_.is_object() || !doc_.contains("invocations") || !doc_["invocations"].is_array())
        throw std::runtime_error("no invocations list");
    } catch (const std::exception& e) {
      const fs::path aside = dir_ / (std::string(kFileName) + ".unreadable");
      fs::rename(file, aside, ec);
      spdlog::warn("{} could not be read ({}); kept as {}, a new record starts", file.string(), e.what(),
                   aside.string());
      doc_ = Json();
    }
  }
  if (doc_.is_null()) doc_ = Json{{"name", run_name}, {"invocations", Json::array()}};
  for (auto& earlier : doc_["invocations"])
    if (earlier.is_object() && earlier.value("status", "") == "running") {
      earlier["status"] = "died";
      earlier["error"] =
          "the process ended without recording how (killed with SIGKILL, out of memory, a crash or "
          "a power loss); its last complete checkpoint is what --resume continued from";
    }
  const size_t number = doc_["invocations"].size() + 1;
  if (!doc_["invocations"].empty()) {
    const Json& before = doc_["invocations"].back();
    if (before.is_object() && before.value("world_size", 1) != facts.world_size)
      spdlog::warn(
          "--resume with {} rank(s); the run so far used {}: parallel trials give the same results, but a "
          "search resumed from its checkpoint continues with the new split of the work",
          facts.world_size, before.value("world_size", 1));
  }
  Json inv{{"number", number},
           {"status", "running"},
           {"started", utc_now()},
           {"command", facts.command},
           {"script", facts.script.string()},
           {"script_copy", copy_source(dir_, facts.script, "script.lua", number)},
           {"config_file", facts.config_file.string()},
           {"config_resolved", "config.resolved.json"},
           {"profile", facts.profile},
           {"seed", facts.seed},
           {"device", facts.device},
           {"deterministic", facts.deterministic},
           {"precision", facts.precision},
           {"kernels", facts.kernels},
           {"resumed", facts.resumed},
           {"software", software_facts()},
           {"plugins", facts.plugins},
           {"config", facts.config},
           {"world_size", facts.world_size},
           {"backend", facts.backend}};
  doc_["invocations"].push_back(std::move(inv));
  write();
}

const char* run_outcome_name(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::Finished:
      return "finished";
    case RunOutcome::Failed:
      return "failed";
    case RunOutcome::Interrupted:
      return "interrupted";
    case RunOutcome::Exited:
      return "exited";
    case RunOutcome::Crashed:
      return "crashed";
  }
  return "unknown";
}

void RunRecord::finish(bool ok, const std::string& error, const std::vector<fs::path>& modules) {
  finish(ok ? RunOutcome::Finished : RunOutcome::Failed, error, ok ? 0 : 1, modules);
}

void RunRecord::finish(RunOutcome outcome, const std::string& detail, int exit_code,
                       const std::vector<fs::path>& modules) {
  Json& inv = invocation();
  inv["status"] = run_outcome_name(outcome);
  if (outcome != RunOutcome::Finished) inv["error"] = detail;
  inv["exit_code"] = exit_code;
  inv["ended"] = utc_now();
  inv["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  try {
    Json copies = Json::array();
    for (const auto& m : modules)
      copies.push_back(
          Json{{"file", m.string()},
               {"copy", copy_source(dir_, m, "lua/" + m.filename().string(), inv["number"].get<size_t>())}});
    inv["modules"] = std::move(copies);
    write();
  } catch (const std::exception& e) {  // e.g. a full disk: the run's own outcome matters more
    spdlog::warn("could not update {}: {}", (dir_ / kFileName).string(), e.what());
  }
}

void RunRecord::write() const { atomic_write_text(dir_ / kFileName, doc_.dump(2) + "\n"); }

}  // namespace nas::host
