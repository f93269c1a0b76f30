// nashost: the command-line host. Loads plugins, runs Lua experiment scripts.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <utility>
#include <iostream>

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "../lua/lua_runtime.hpp"
#include "algorithm_choice.hpp"
#include "config_loader.hpp"
#include "data_command.hpp"
#include "distributed.hpp"
#include "export/export_command.hpp"
#include "launch.hpp"
#include "host_context.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_enas_dag.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/genotype_macro.hpp"
#include "nashost/host_allocator.hpp"
#include "nashost/io.hpp"
#include "nashost/version.hpp"
#include "plugin_loader.hpp"
#include "run_directory.hpp"
#include "run_record.hpp"
#include "session.hpp"

namespace fs = std::filesystem;
using namespace nas;
using namespace nas::host;

namespace {

struct Plugins {
  Registry registry;
  std::unique_ptr<PluginLoader> loader;
};

void load_plugins(Plugins& p, const std::vector<std::string>& cli_paths) {
  p.loader = std::make_unique<PluginLoader>(p.registry);
  for (const auto& dir : plugin_search_path(cli_paths)) p.loader->load_directory(dir);
  for (const auto& o : p.loader->report())
    if (!o.loaded) spdlog::debug("plugin {} skipped: {}", o.library.string(), o.reason);
}

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
    for (const auto& o : e->info.options)
      std::printf("  %-24s %-16s default %-14s %s\n", o.key.c_str(), option_type_name(o.type),
                  o.default_value.is_null() ? "(required)" : o.default_value.dump().c_str(), o.help.c_str());
    std::printf("\n");
  }
  return 0;
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
  if (s.is_main_rank()) {
    if (opts.resume) {
      auto prior = newest_run_directory(opts.runs_root, s.run_name);
      if (!prior) throw Error("--resume: no earlier run named '" + s.run_name + "' under " + opts.runs_root.string());
      s.run_dir = *prior;
    } else {
      s.run_dir = create_run_directory(opts.runs_root, s.run_name);
    }
    // Before anything in the directory is touched: one nashost run per run directory.
    lock.emplace(s.run_dir);
  }
  if (dist) s.run_dir = dist->broadcast(s.run_dir.string());  // rank 0 chose it

  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  // Other ranks keep their own full log and tell the console only what goes wrong.
  if (!s.is_main_rank()) console->set_level(spdlog::level::warn);
  const std::string log_name = s.is_main_rank() ? "log.txt" : "log.rank" + std::to_string(world.rank) + ".txt";
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>((s.run_dir / log_name).string());
  std::vector<spdlog::sink_ptr> sinks{console, file};
  auto main_logger = std::make_shared<spdlog::logger>("nashost", sinks.begin(), sinks.end());
  main_logger->set_level(spdlog::default_logger()->level());
  main_logger->flush_on(spdlog::level::trace);  // log.txt line by line: a live `tail -f`, nothing lost to kill -9
  spdlog::set_default_logger(main_logger);
  s.log = main_logger;

  torch::manual_seed(opts.seed);
  const std::string algorithms = choose_algorithms(device, opts.deterministic);
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
    s.context->metrics_writer().hparams_start(hparams);
  }
  s.log->info("nashost {} run '{}' in {} (device {}, seed {}{}{})", sdk_version_string(), s.run_name,
              s.run_dir.string(), device.str(), opts.seed, config_file.empty() ? "" : ", config " + config_file.string(),
              s.resumed ? ", resumed" : "");
  s.log->info("kernels: {}", algorithms);
  if (dist)
    s.log->info("distributed: rank {} of {} (local rank {}, {} launcher, Gloo over {}:{}, timeout {} s)", world.rank,
                world.world_size, world.local_rank, world.launcher, world.master_addr, world.master_port,
                opts.dist_timeout_seconds);
  InvocationFacts facts{command, opts.script, config_file, s.config.value("profile", std::string("")), device.str(),
                        algorithms, opts.seed, opts.deterministic, s.resumed};
  for (const auto& o : p.loader->report())
    if (o.loaded) facts.plugins.push_back(Json{{"plugin", o.plugin}, {"version", o.version}, {"library", o.library.string()}});
  facts.config = s.config;
  facts.world_size = world.world_size;
  // CUDA tensors go through NCCL where the build has it; everything else through Gloo.
  facts.backend = !dist ? "" : (device.is_cuda() && Distributed::has_nccl() ? "nccl+gloo" : "gloo");
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
      throw ConfigError("an ENAS macro genotype is a chain of layers, not DARTS cells: convert it --to json or --to arc "
                        "(the authors' flat arc), not --to " + to);
    if (to == "json") text = to_json(g).dump(2);
    else if (to == "arc") text = macro_arc_text(g);
    else if (to == "darts") text = to_darts_text(g);
    else if (to == "darts-nested") text = to_darts_text(g, DartsTextLayout::Nested);
    else if (to == "darts-cc") text = to_darts_cc_json(g).dump();
    else if (to == "enas-dag") text = to_enas_dag_json(g);  // carpedm20's dag.json, no final newline as json.dump
    else throw ConfigError("--to must be json, darts, darts-nested, darts-cc, enas-dag or arc, got '" + to + "'");
    if (out.empty()) std::printf("%s\n", text.c_str());
    else atomic_write_text(out, to == "enas-dag" ? text : text + "\n");
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

}  // namespace

int main(int argc, char** argv) {
  const std::string allocator = nas::tune_host_allocator();  // before any tensor exists
  CLI::App app{"nashost — neural architecture search host (DARTS, DARTS-CC, ENAS) with plugins and Lua scripts"};
  app.set_version_flag("--version", "nashost " + sdk_version_string() + " (SDK ABI " +
                                        std::to_string(NASHOST_ABI_VERSION) + ", " + host_build_fingerprint() + ")");
  app.footer(
      "Exit codes: 0 done; 1 an error (the message says what to do; run.json records it); 2 a configuration\n"
      "  or usage error; 3 a Lua error (file:line); 130 stopped by Ctrl-C, 143 by SIGTERM (the last complete\n"
      "  checkpoint is kept: --resume); os.exit(n) in a script: n.\n"
      "Environment: NAS_DATA_DIR (dataset folder), NAS_PLUGIN_PATH (extra plugin folders),\n"
      "  NASHOST_DATA_MIRROR / NASHOST_DATA_MIRROR_ONLY (where `data fetch` downloads from),\n"
      "  NASHOST_DIST_TIMEOUT (seconds before a silent rank stops the run), NASHOST_SYSTEM_MALLOC=1 (glibc's\n"
      "  default allocator settings); ranks: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (torchrun)\n"
      "  or SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (srun): docs/distributed.md.");
  std::vector<std::string> plugin_paths;
  bool verbose = false, quiet = false;
  app.add_option("--plugin-path", plugin_paths, "extra plugin folder (repeatable; also NAS_PLUGIN_PATH)");
  app.add_flag("-v,--verbose", verbose, "debug logging");
  app.add_flag("-q,--quiet", quiet, "warnings and errors only");
  app.require_subcommand(1);

  app.add_subcommand("plugins", "list components and the plugin load report");
  auto* describe = app.add_subcommand("describe", "show a component's options with types and defaults");
  std::string describe_name;
  describe->add_option("NAME", describe_name)->required();

  auto* run = app.add_subcommand("run", "run a Lua experiment script");
  RunOptions ro;
  std::string seed_text = "0";
  bool no_progress = false;
  run->add_option("SCRIPT", ro.script, "Lua script, e.g. scripts/fmnist_hyper.lua")->required();
  run->add_option("--config", ro.config_file, "TOML config (default: configs/<script>.toml)");
  run->add_option("--set", ro.overrides, "override a config value: section.key=value (repeatable)");
  run->add_option("--profile", ro.profile, "config profile, e.g. quick or paper");
  run->add_option("--name", ro.name, "run name (default: script name)");
  run->add_flag("--resume", ro.resume, "continue the newest run of this name");
  run->add_option("--device", ro.device, "cpu, cuda or auto")->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  run->add_option("--seed", ro.seed, "random seed");
  run->add_option("--runs-dir", ro.runs_root, "where run directories go (default: runs)");
  run->add_flag("--no-progress", no_progress, "no progress bars");
  if (const char* t = std::getenv("NASHOST_DIST_TIMEOUT")) ro.dist_timeout_seconds = std::atoi(t);
  run->add_option("--dist-timeout", ro.dist_timeout_seconds,
                  "seconds a distributed run waits for a rank before failing (rendezvous, collectives, a dead rank; "
                  "also NASHOST_DIST_TIMEOUT)")
      ->check(CLI::Range(1, 86400));
  run->add_flag("--deterministic", ro.deterministic,
                "reproducible GPU runs: deterministic algorithms and cuDNN, no autotuning (slower; CPU runs are "
                "reproducible anyway)");

  app.add_subcommand("launch", "start local ranks: nashost launch --nproc N -- run SCRIPT ... (as torchrun)");
  auto* genotype = app.add_subcommand("genotype", "show, plot or convert a genotype file");
  std::string g_action, g_to = "json", g_out;
  fs::path g_file;
  genotype->add_option("ACTION", g_action, "show | plot | convert")->required()->check(CLI::IsMember({"show", "plot", "convert"}));
  genotype->add_option("FILE", g_file, "genotype: our JSON, DARTS text, DARTS-CC integer JSON, carpedm20's ENAS dag.json, or a published name (DARTS_V2)")->required();
  genotype->add_option("--to", g_to, "convert: json | darts | darts-nested | darts-cc | enas-dag | arc (ENAS macro)");
  genotype->add_option("-o,--output", g_out, "output file (convert) or base name (plot)");

  auto* data_cmd = app.add_subcommand("data", "list or fetch the datasets' official files (docs/datasets.md)");
  data_cmd->require_subcommand(1);
  DataCommandOptions data_opts;
  bool data_no_progress = false;
  auto* data_list = data_cmd->add_subcommand("list", "each dataset: where it is looked for, whether it is there and verified");
  auto* data_fetch = data_cmd->add_subcommand("fetch", "download, verify and unpack datasets (official URLs and mirrors)");
  data_fetch->add_option("NAME", data_opts.names, "fashion-mnist mnist cifar10 cifar100 ptb wikitext2, or all")->required();
  for (auto* c : {data_list, data_fetch}) {
    c->add_option("--dir", data_opts.dir, "data root (default: $NAS_DATA_DIR, else ./data)");
    c->add_option("--checksums", data_opts.checksums, "checksum file overriding the official ones (also NASHOST_DATA_CHECKSUMS)");
  }
  data_fetch->add_option("--mirror", data_opts.mirrors, "base URL holding <dataset>/<file>, tried first (repeatable; also NASHOST_DATA_MIRROR)")
      ->allow_extra_args(false);  // one URL per --mirror: `--mirror URL cifar10` names a dataset
  data_fetch->add_flag("--mirror-only", data_opts.mirrors_only, "never the official sites (also NASHOST_DATA_MIRROR_ONLY=1)");
  data_fetch->add_flag("--force", data_opts.force, "download again and replace files that are there (once verified)");
  data_fetch->add_flag("--no-progress", data_no_progress, "no progress bars");

  auto* export_cmd = app.add_subcommand("export", "write trained models as PyTorch weights + config (docs/export.md)");
  fs::path export_what, export_out;
  export_cmd->add_option("PATH", export_what, "run directory, model file (train/<label>/model.pt) or its folder")->required();
  export_cmd->add_option("-o,--output", export_out, "folder (one model) or root of one folder per model (run directory)");
  auto* import_cmd = app.add_subcommand("import", "PyTorch weights (an export folder: config.json + model.safetensors or model.pth) into a nashost model file");
  fs::path import_dir, import_out;
  import_cmd->add_option("FOLDER", import_dir, "config.json (as nashost export writes it) + model.safetensors or a torch.save'd plain dict")->required();
  import_cmd->add_option("-o,--output", import_out, "model file to write (default FOLDER/nashost/model.pt)");

  auto* bench = app.add_subcommand("bench", "run a benchmark: nashost bench darts --order 2 ...");
  std::string bench_name;
  std::vector<std::string> bench_args;
  bench->add_option("WHAT", bench_name)->required();
  bench->add_option("ARGS", bench_args);
  bench->allow_extras();
  bench->prefix_command();

  // `nashost launch --nproc N -- run ...` hands everything after `--` to the ranks.
  if (argc >= 2 && std::string(argv[1]) == "launch") {
    try {
      return launch_local_ranks(std::vector<std::string>(argv + 2, argv + argc));
    } catch (const ConfigError& e) {
      std::fprintf(stderr, "nashost launch: %s\n", e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nashost launch: %s\n", e.what());
      return 1;
    }
  }
  // `nashost bench WHAT ...` hands every later argument to bin/nashost-bench-WHAT untouched;
  // letting CLI11 parse them would reorder options and values.
  if (argc >= 3 && std::string(argv[1]) == "bench" && argv[2][0] != '-') {
    try {
      return cmd_bench(argv[2], std::vector<std::string>(argv + 3, argv + argc));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nashost bench: %s\n", e.what());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as the README says (CLI11's
    // own codes, 105-109, mean nothing to a shell script).
    return app.exit(e) == 0 ? 0 : 2;
  }
  // Until a run opens its log file, messages (errors included) go to stderr under the
  // host's name, so that stdout carries only what a command prints on purpose.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "nashost", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  spdlog::set_level(verbose ? spdlog::level::debug : quiet ? spdlog::level::warn : spdlog::level::info);
  spdlog::set_pattern("[%H:%M:%S] [%n] %^%l%$ %v");
  ro.progress = !no_progress && !quiet;
  spdlog::debug("CPU tensor memory: {}", allocator);

  try {
    if (bench->parsed()) {
      std::vector<std::string> rest = bench->remaining();
      bench_args.insert(bench_args.end(), rest.begin(), rest.end());
      return cmd_bench(bench_name, bench_args);
    }
    if (genotype->parsed()) return cmd_genotype(g_action, g_file, g_to, g_out);
    // Downloads (`data fetch`, and a dataset's download = true in a run) show the host's progress bar.
    install_download_progress(data_fetch->parsed() ? !data_no_progress && !quiet : ro.progress);
    if (data_list->parsed()) return cmd_data_list(data_opts);
    if (data_fetch->parsed()) return cmd_data_fetch(data_opts);
    if (export_cmd->parsed()) return cmd_export(export_what, export_out);
    if (import_cmd->parsed()) return cmd_import(import_dir, import_out);
    Plugins p;
    load_plugins(p, plugin_paths);
    if (app.got_subcommand("plugins")) return cmd_plugins(p);
    if (describe->parsed()) return cmd_describe(p, describe_name);
    if (run->parsed()) return cmd_run(p, ro, std::vector<std::string>(argv, argv + argc));
  } catch (const Interrupted& e) {
    spdlog::error("{}", e.what());
    return 128 + (stop_signal() ? stop_signal() : SIGINT);
  } catch (const LuaError& e) {
    spdlog::error("{}", e.what());
    return 3;
  } catch (const ConfigError& e) {
    spdlog::error("configuration error: {}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
