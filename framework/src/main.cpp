// nashost: the command-line host. Parses the command line, hands each subcommand to its
// implementation (framework/src/cli/) and turns errors into the documented exit codes.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <optional>

#include "../lua/lua_runtime.hpp"
#include "cli/commands.hpp"
#include "data_command.hpp"
#include "export/export_command.hpp"
#include "host_context.hpp"
#include "launch.hpp"
#include "nashost/environment.hpp"
#include "nashost/error.hpp"
#include "nashost/support/host_allocator.hpp"
#include "nashost/version.hpp"

namespace fs = std::filesystem;
using namespace nas;
using namespace nas::host;

namespace {

/// Everything the command line sets: the options and which subcommand was chosen.
struct CommandLine {
  std::vector<std::string> plugin_paths;
  bool verbose = false, quiet = false;
  CLI::App* plugins = nullptr;
  CLI::App* describe = nullptr;
  std::string describe_name;
  CLI::App* run = nullptr;
  RunOptions run_options;
  bool no_progress = false;
  CLI::App* genotype = nullptr;
  std::string genotype_action, genotype_to = "json", genotype_out;
  fs::path genotype_file;
  CLI::App* data_list = nullptr;
  CLI::App* data_fetch = nullptr;
  DataCommandOptions data_options;
  bool data_no_progress = false;
  CLI::App* export_cmd = nullptr;
  fs::path export_what, export_out;
  CLI::App* import_cmd = nullptr;
  fs::path import_dir, import_out;
  CLI::App* bench = nullptr;
  std::string bench_name;
  std::vector<std::string> bench_args;
};

void define_program(CLI::App& app, CommandLine& c) {
  app.set_version_flag("--version", "nashost " + sdk_version_string() + " (SDK ABI " +
                                        std::to_string(NASHOST_ABI_VERSION) + ", " + host_build_fingerprint() + ")");
  app.footer(
      "Exit codes: 0 done; 1 an error (the message says what to do; run.json records it); 2 a configuration\n"
      "  or usage error; 3 a Lua error (file:line); 130 stopped by Ctrl-C, 143 by SIGTERM (the last complete\n"
      "  checkpoint is kept: --resume); os.exit(n) in a script: n.\n"
      "Environment: NAS_DATA_DIR (dataset folder), NAS_PLUGIN_PATH (extra plugin folders),\n"
      "  NAS_DATA_MIRROR / NAS_DATA_MIRROR_ONLY (where `data fetch` downloads from),\n"
      "  NAS_DIST_TIMEOUT (seconds before a silent rank stops the run), NAS_SYSTEM_MALLOC=1 (glibc's\n"
      "  default allocator settings); ranks: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (torchrun)\n"
      "  or SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (srun): docs/distributed.md.");
  app.add_option("--plugin-path", c.plugin_paths, "extra plugin folder (repeatable; also NAS_PLUGIN_PATH)");
  app.add_flag("-v,--verbose", c.verbose, "debug logging");
  app.add_flag("-q,--quiet", c.quiet, "warnings and errors only");
  app.require_subcommand(1);
  c.plugins = app.add_subcommand("plugins", "list components and the plugin load report");
  c.describe = app.add_subcommand("describe", "show a component's options with types and defaults");
  c.describe->add_option("NAME", c.describe_name)->required();
  app.add_subcommand("launch", "start local ranks: nashost launch --nproc N -- run SCRIPT ... (as torchrun)");
}

void define_run(CLI::App& app, CommandLine& c) {
  c.run = app.add_subcommand("run", "run a Lua experiment script");
  RunOptions& ro = c.run_options;
  c.run->add_option("SCRIPT", ro.script, "Lua script, e.g. scripts/fmnist_hyper.lua")->required();
  c.run->add_option("--config", ro.config_file, "TOML config (default: configs/<script>.toml)");
  c.run->add_option("--set", ro.overrides, "override a config value: section.key=value (repeatable)");
  c.run->add_option("--profile", ro.profile, "config profile, e.g. quick or paper");
  c.run->add_option("--name", ro.name, "run name (default: script name)");
  c.run->add_flag("--resume", ro.resume, "continue the newest run of this name");
  c.run->add_option("--device", ro.device, "cpu, cuda or auto")->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  c.run->add_option("--seed", ro.seed, "random seed");
  c.run->add_option("--runs-dir", ro.runs_root, "where run directories go (default: runs)");
  c.run->add_flag("--no-progress", c.no_progress, "no progress bars (the status line after every epoch stays)");
  if (const char* t = environment_variable("NAS_DIST_TIMEOUT")) ro.dist_timeout_seconds = std::atoi(t);
  c.run
      ->add_option("--dist-timeout", ro.dist_timeout_seconds,
                   "seconds a distributed run waits for a rank before failing (rendezvous, collectives, a dead rank; "
                   "also NAS_DIST_TIMEOUT)")
      ->check(CLI::Range(1, 86400));
  c.run
      ->add_option("--precision", ro.precision,
                   "fp32 (default), tf32 (TF32 matmuls and convolutions on CUDA) or bf16 (the training steps' forward "
                   "passes autocast to bfloat16): docs/benchmarks.md has the accuracy effect")
      ->check(CLI::IsMember({"fp32", "tf32", "bf16"}));
  c.run->add_flag("--deterministic", ro.deterministic,
                  "reproducible GPU runs: deterministic algorithms and cuDNN, no autotuning (slower; CPU runs are "
                  "reproducible anyway)");
}

void define_genotype(CLI::App& app, CommandLine& c) {
  c.genotype = app.add_subcommand("genotype", "show, plot or convert a genotype file");
  c.genotype->add_option("ACTION", c.genotype_action, "show | plot | convert")
      ->required()
      ->check(CLI::IsMember({"show", "plot", "convert"}));
  c.genotype
      ->add_option("FILE", c.genotype_file,
                   "genotype: our JSON, DARTS text, DARTS-CC integer JSON, carpedm20's ENAS dag.json, or a "
                   "published name (DARTS_V2)")
      ->required();
  c.genotype->add_option("--to", c.genotype_to,
                         "convert: json | darts | darts-nested | darts-cc | enas-dag | arc (ENAS macro)");
  c.genotype->add_option("-o,--output", c.genotype_out, "output file (convert) or base name (plot)");
}

void define_data(CLI::App& app, CommandLine& c) {
  auto* data = app.add_subcommand("data", "list or fetch the datasets' official files (docs/datasets.md)");
  data->require_subcommand(1);
  DataCommandOptions& o = c.data_options;
  c.data_list = data->add_subcommand("list", "each dataset: where it is looked for, whether it is there and verified");
  c.data_fetch = data->add_subcommand("fetch", "download, verify and unpack datasets (official URLs and mirrors)");
  c.data_fetch->add_option("NAME", o.names, "fashion-mnist mnist cifar10 cifar100 ptb wikitext2, or all")->required();
  for (auto* sub : {c.data_list, c.data_fetch}) {
    sub->add_option("--dir", o.dir, "data root (default: $NAS_DATA_DIR, else ./data)");
    sub->add_option("--checksums", o.checksums, "checksum file overriding the official ones (also NAS_DATA_CHECKSUMS)");
  }
  c.data_fetch
      ->add_option("--mirror", o.mirrors,
                   "base URL holding <dataset>/<file>, tried first (repeatable; also NAS_DATA_MIRROR)")
      ->allow_extra_args(false);  // one URL per --mirror: `--mirror URL cifar10` names a dataset
  c.data_fetch->add_flag("--mirror-only", o.mirrors_only, "never the official sites (also NAS_DATA_MIRROR_ONLY=1)");
  c.data_fetch->add_flag("--force", o.force, "download again and replace files that are there (once verified)");
  c.data_fetch->add_flag("--no-progress", c.data_no_progress, "no progress bars");
}

void define_models(CLI::App& app, CommandLine& c) {
  c.export_cmd = app.add_subcommand("export", "write trained models as PyTorch weights + config (docs/export.md)");
  c.export_cmd->add_option("PATH", c.export_what, "run directory, model file (train/<label>/model.pt) or its folder")
      ->required();
  c.export_cmd->add_option("-o,--output", c.export_out,
                           "folder (one model) or root of one folder per model (run directory)");
  c.import_cmd = app.add_subcommand(
      "import",
      "PyTorch weights (an export folder: config.json + model.safetensors or model.pth) into a nashost model file");
  c.import_cmd
      ->add_option("FOLDER", c.import_dir,
                   "config.json (as nashost export writes it) + model.safetensors or a torch.save'd plain dict")
      ->required();
  c.import_cmd->add_option("-o,--output", c.import_out, "model file to write (default FOLDER/nashost/model.pt)");
}

void define_bench(CLI::App& app, CommandLine& c) {
  c.bench = app.add_subcommand("bench", "run a benchmark: nashost bench darts --order 2 ...");
  c.bench->add_option("WHAT", c.bench_name)->required();
  c.bench->add_option("ARGS", c.bench_args);
  c.bench->allow_extras();
  c.bench->prefix_command();
}

/// `nashost launch --nproc N -- run ...` hands everything after `--` to the ranks, and
/// `nashost bench WHAT ...` every later argument to bin/nashost-bench-WHAT untouched
/// (CLI11 would reorder options and values): both before CLI11 parses anything.
std::optional<int> run_pass_through(int argc, char** argv) {
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
  if (argc >= 3 && std::string(argv[1]) == "bench" && argv[2][0] != '-') {
    try {
      return cmd_bench(argv[2], std::vector<std::string>(argv + 3, argv + argc));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "nashost bench: %s\n", e.what());
      return 2;
    }
  }
  return std::nullopt;
}

/// Until a run opens its log file, messages (errors included) go to stderr under the
/// host's name, so that stdout carries only what a command prints on purpose.
void log_to_stderr(const CommandLine& c) {
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("nashost", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  spdlog::set_level(c.verbose ? spdlog::level::debug : c.quiet ? spdlog::level::warn : spdlog::level::info);
  spdlog::set_pattern("[%H:%M:%S] [%n] %^%l%$ %v");
}

int dispatch(CommandLine& c, int argc, char** argv) {
  if (c.bench->parsed()) {
    std::vector<std::string> rest = c.bench->remaining();
    c.bench_args.insert(c.bench_args.end(), rest.begin(), rest.end());
    return cmd_bench(c.bench_name, c.bench_args);
  }
  if (c.genotype->parsed()) return cmd_genotype(c.genotype_action, c.genotype_file, c.genotype_to, c.genotype_out);
  // Downloads (`data fetch`, and a dataset's download = true in a run) show the host's progress bar.
  install_download_progress(c.data_fetch->parsed() ? !c.data_no_progress && !c.quiet : c.run_options.progress);
  if (c.data_list->parsed()) return cmd_data_list(c.data_options);
  if (c.data_fetch->parsed()) return cmd_data_fetch(c.data_options);
  if (c.export_cmd->parsed()) return cmd_export(c.export_what, c.export_out);
  if (c.import_cmd->parsed()) return cmd_import(c.import_dir, c.import_out);
  Plugins p;
  load_plugins(p, c.plugin_paths);
  if (c.plugins->parsed()) return cmd_plugins(p);
  if (c.describe->parsed()) return cmd_describe(p, c.describe_name);
  if (c.run->parsed()) return cmd_run(p, c.run_options, std::vector<std::string>(argv, argv + argc));
  return 0;
}

/// The exit code of the exception being handled, after logging it (README: exit codes).
int exit_code_of_current_exception() {
  try {
    throw;
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
}

}  // namespace

int main(int argc, char** argv) {
  const std::string allocator = nas::tune_host_allocator();  // before any tensor exists
  CLI::App app{"nashost — neural architecture search host (DARTS, DARTS-CC, ENAS) with plugins and Lua scripts"};
  CommandLine c;
  define_program(app, c);
  define_run(app, c);
  define_genotype(app, c);
  define_data(app, c);
  define_models(app, c);
  define_bench(app, c);
  if (const auto code = run_pass_through(argc, argv)) return *code;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as the README says (CLI11's
    // own codes, 105-109, mean nothing to a shell script).
    return app.exit(e) == 0 ? 0 : 2;
  }
  log_to_stderr(c);
  c.run_options.progress = !c.no_progress && !c.quiet;
  spdlog::debug("CPU tensor memory: {}", allocator);
  try {
    return dispatch(c, argc, argv);
  } catch (...) {
    return exit_code_of_current_exception();
  }
}
