#include "host_context.hpp"

#include <csignal>

#include <spdlog/spdlog.h>

#include "progress_bar.hpp"

namespace nas::host {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}
}  // namespace

void install_stop_handler() { std::signal(SIGINT, on_sigint); }
bool stop_signal_received() { return g_stop.load(); }

RunContext::RunContext(const Registry& registry, std::filesystem::path run_dir, uint64_t seed, c10::Device device,
                       std::vector<spdlog::sink_ptr> sinks, bool progress_bars)
    : registry_(registry), run_dir_(std::move(run_dir)), seed_(seed), device_(device), sinks_(std::move(sinks)),
      progress_bars_(progress_bars),
      metrics_(std::make_unique<MetricsWriter>(run_dir_ / "tensorboard", run_dir_ / "metrics.csv")) {}

RunContext::~RunContext() = default;

std::shared_ptr<spdlog::logger> RunContext::logger(const std::string& component) {
  std::lock_guard lock(mutex_);
  auto it = loggers_.find(component);
  if (it != loggers_.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(component, sinks_.begin(), sinks_.end());
  logger->set_level(spdlog::default_logger()->level());
  loggers_[component] = logger;
  return logger;
}

std::unique_ptr<Progress> RunContext::progress(const std::string& label, int64_t total) {
  return std::make_unique<ProgressBar>(label, total, progress_bars_);
}

bool RunContext::stop_requested() const { return stop_signal_received(); }

std::shared_ptr<const OperationSet> RunContext::operation_set(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = operation_sets_.find(name);
  if (it != operation_sets_.end()) return it->second;
  auto set = registry_.make_operation_set(name, Json::object(), *this);
  operation_sets_[name] = set;
  return set;
}

}  // namespace nas::host
