// nashost run: the run directory, logging, the device, the run record, the Lua script.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <utility>

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "../../lua/lua_runtime.hpp"
#include "../algorithm_choice.hpp"
#include "../config_loader.hpp"
#include "../distributed.hpp"
#include "../host_context.hpp"
#include "../run_directory.hpp"
#include "../run_record.hpp"
#include "commands.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/nn/precision.hpp"
#include "nashost/version.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

/// One GPU per rank: cuda:LOCAL_RANK (modulo the GPUs there are, for oversubscribed tests).
c10::Device pick_device(const std::string& requested, int local_rank) {
  const auto gpu = [&] {
    const auto n = static_cast<int>(torch::cuda::device_count());
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(n > 0 ? local_rank % n : 0));
  };
  if (requested == "cpu") return c10::Device(c10::kCPU);
  if (requested == "cuda") {
    if (!torch::cuda::is_available())
      throw ConfigError("--device cuda was asked for, but no CUDA GPU is available (use --device cpu or auto)");
    return gpu();
  }
  if (requested == "auto") return torch::cuda::is_available() ? gpu() : c10::Device(c10::kCPU);
  throw ConfigError("--device must be cpu, cuda or auto, got '" + requested + "'");
}

/// The record of the invocation in progress, for the terminate handler: an error that
/// escapes every handler still gets "crashed" into run.json before the process aborts.
RunRecord* g_active_record = nullptr;

[[noreturn]] void record_crash_and_abort() {
  std::string what = "std::terminate without an active exception";
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
      what = "a non-standard exception";
    }
  }
  std::fprintf(stderr, "nashost: fatal: %s\n", what.c_str());
  if (RunRecord* record = std::exchange(g_active_record, nullptr)) record->finish(RunOutcome::Crashed, what, 134);
  std::abort();
}

/// Writes config.resolved.json. A resumed run keeps the file of the run it continues
/// until this invocation has succeeded, so a refused or failed --resume leaves it as it was.
void write_resolved_config(const fs::path& run_dir, const Json& config) {
  const fs::path file = run_dir / "config.resolved.json";
  const std::string text = config.dump(2) + "\n";
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) {
    try {
      if (read_text_file(file) == text) return;
    } catch (const Error&) {
    }
  }
  atomic_write_text(file, text);
}

/// The run directory: a new one, or with --resume the newest of the run's name, chosen by
/// rank 0 and locked before anything in it is touched (one nashost run per directory);
/// the other ranks learn it from rank 0.
void open_run_directory(Session& s, Distributed* dist, std::optional<RunDirectoryLock>& lock) {
  const RunOptions& opts = s.options;
  if (s.is_main_rank()) {
    if (opts.resume) {
      auto prior = newest_run_directory(opts.runs_root, s.run_name);
      if (!prior) throw Error("--resume: no earlier run named '" + s.run_name + "' under " + opts.runs_root.string());
      s.run_dir = *prior;
    } else {
      s.run_dir = create_run_directory(opts.runs_root, s.run_name);
    }
    lock.emplace(s.run_dir);
  }
  if (dist) s.run_dir = dist->broadcast(s.run_dir.string());
}

/// The console and log.txt (log.rank<k>.txt on other ranks, which tell the console only
/// what goes wrong); the host's logger from now on. Returns the sinks for the components.
std::vector<spdlog::sink_ptr> open_run_log(Session& s, int rank) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (!s.is_main_rank()) console->set_level(spdlog::level::warn);
  const std::string log_name = s.is_main_rank() ? "log.txt" : "log.rank" + std::to_string(rank) + ".txt";
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>((s.run_dir / log_name).string());
  std::vector<spdlog::sink_ptr> sinks{console, file};
  auto main_logger = std::make_shared<spdlog::logger>("nashost", sinks.begin(), sinks.end());
  main_logger->set_level(spdlog::default_logger()->level());
  main_logger->flush_on(spdlog::level::trace);  // log.txt line by line: a live `tail -f`, nothing lost to kill -9
  spdlog::set_default_logger(main_logger);
  s.log = main_logger;
  return sinks;
}

/// What run.json says about the environment besides the command: plugins, config, ranks.
void add_run_facts(InvocationFacts& facts, const Session& s, const Plugins& p, const WorldInfo& world,
                   const c10::Device& device, bool distributed) {
  for (const auto& o : p.loader->report())
    if (o.loaded)
      facts.plugins.push_back(Json{{"plugin", o.plugin}, {"version", o.version}, {"library", o.library.string()}});
  facts.config = s.config;
  facts.world_size = world.world_size;
  // CUDA tensors go through NCCL where the build has it; everything else through Gloo.
  facts.backend = !distributed ? "" : (device.is_cuda() && Distributed::has_nccl() ? "nccl+gloo" : "gloo");
}

}  // namespace

int cmd_run(Plugins& p, RunOptions opts, const std::vector<std::string>& command) {
  Session s;
  s.registry = &p.registry;
  s.options = opts;
  if (!fs::is_regular_file(opts.script))
    throw Error("script '" + opts.script.string() + "' does not exist (e.g. `nashost run scripts/hello.lua`)");
  fs::path config_file;
  s.config = resolve_config(opts, &config_file, &p.registry);  // config errors before anything is created
  // Several ranks (torchrun, srun, nashost launch): join them before anything is created.
  const WorldInfo world = detect_world();
  std::unique_ptr<Distributed> dist;
  std::optional<InstalledCollectives> collectives;  // searches split their batches over the ranks
  if (world.distributed()) {
    dist = std::make_unique<Distributed>(world, std::chrono::seconds(opts.dist_timeout_seconds));
    s.dist = dist.get();
    collectives.emplace(*dist);
  }
  const c10::Device device = pick_device(opts.device, world.local_rank);

  s.run_name = opts.name.empty() ? opts.script.stem().string() : opts.name;
  s.resumed = opts.resume;
  std::optional<RunDirectoryLock> lock;
  open_run_directory(s, dist.get(), lock);
  const std::vector<spdlog::sink_ptr> sinks = open_run_log(s, world.rank);

  torch::manual_seed(opts.seed);
  const std::string algorithms = choose_algorithms(device, opts.deterministic);
  nn::set_precision(nn::parse_precision(opts.precision));
  s.context = std::make_unique<RunContext>(p.registry, s.run_dir, opts.seed, device, sinks,
                                           opts.progress && s.is_main_rank(), world.rank);
  // The status line after every training epoch (searches print theirs in search:run).
  s.context->on_progress_finished([&s](const std::string& label, double seconds) {
    if (!s.in_training) return;
    s.clock.epoch_done(RunClock::Kind::Training, seconds);
    s.log->info("{} ({:.1f}s): {}", label, seconds, s.clock.status());
  });
  if (!s.resumed && s.is_main_rank()) write_resolved_config(s.run_dir, s.config);
  if (s.is_main_rank()) {  // the options in TensorBoard's HPARAMS tab, runs side by side
    Json hparams = s.config;
    hparams["seed"] = opts.seed;
    hparams["device"] = device.str();
    hparams["precision"] = opts.precision;
    s.context->metrics_writer().hparams_start(hparams);
  }
  s.log->info("nashost {} run '{}' in {} (device {}, seed {}{}{})", sdk_version_string(), s.run_name,
              s.run_dir.string(), device.str(), opts.seed,
              config_file.empty() ? "" : ", config " + config_file.string(), s.resumed ? ", resumed" : "");
  s.log->info(
      "kernels: {}; precision {}{}", algorithms, opts.precision,
      opts.precision == "tf32" && !device.is_cuda() ? " (TF32 is CUDA's: this CPU run computes in float32)" : "");
  if (dist)
    s.log->info("distributed: rank {} of {} (local rank {}, {} launcher, Gloo over {}:{}, timeout {} s)", world.rank,
                world.world_size, world.local_rank, world.launcher, world.master_addr, world.master_port,
                opts.dist_timeout_seconds);
  InvocationFacts facts{command,      opts.script, config_file, s.config.value("profile", std::string("")),
                        device.str(), algorithms,  opts.seed,   opts.deterministic,
                        s.resumed};
  facts.precision = opts.precision;
  add_run_facts(facts, s, p, world, device, dist != nullptr);
  // run.json is rank 0's; the other ranks' story is in their log.rank<k>.txt.
  std::optional<RunRecord> record;
  if (s.is_main_rank()) {
    record.emplace(s.run_dir, s.run_name, std::move(facts));
    g_active_record = &*record;
  }
  std::set_terminate(record_crash_and_abort);
  install_stop_handler();
  std::vector<fs::path> modules;  // the helpers the script required, copied beside it
  const auto end_record = [&](RunOutcome outcome, const std::string& detail, int code) {
    g_active_record = nullptr;
    if (s.is_main_rank()) s.context->metrics_writer().hparams_end(outcome == RunOutcome::Finished);
    if (record) record->finish(outcome, detail, code, modules);
  };
  try {
    run_lua_script(s, opts.script, &modules);
    s.context->metrics().flush();
  } catch (const ScriptExit& e) {
    s.context->metrics().flush();
    if (e.code() == 0 && s.resumed && s.is_main_rank()) write_resolved_config(s.run_dir, s.config);
    end_record(RunOutcome::Exited, "the script called os.exit(" + std::to_string(e.code()) + ")", e.code());
    s.log->info("run ended by os.exit({}): {}", e.code(), s.run_dir.string());
    return e.code();
  } catch (const std::exception& e) {
    if (!fault_reason().empty()) {  // a rank of a distributed run is gone: say which
      end_record(RunOutcome::Failed, fault_reason(), 1);
      throw Error(fault_reason() + "; the last complete checkpoint is kept: continue with --resume and the same ranks");
    }
    if (stop_signal_received()) {
      // Whatever the error looks like (a Lua error raised by the stop hook, Interrupted
      // from a search), the run was stopped on request: say so and exit 128 + signal.
      const std::string message = std::string("interrupted by ") + stop_signal_name() +
                                  "; completed epochs and trainings are kept: continue with `nashost run " +
                                  opts.script.string() + " --name " + s.run_name + " --resume`";
      end_record(RunOutcome::Interrupted, message, 128 + stop_signal());
      throw Interrupted(message);
    }
    end_record(RunOutcome::Failed, e.what(), 1);
    throw;
  }
  if (dist) dist->finish();  // rank 0, which hosts the store, leaves last
  if (s.resumed && s.is_main_rank()) write_resolved_config(s.run_dir, s.config);
  end_record(RunOutcome::Finished, "", 0);
  s.log->info("run finished: {}", s.run_dir.string());
  return 0;
}

}  // namespace nas::host
