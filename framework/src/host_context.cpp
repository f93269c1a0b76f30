#include "host_context.hpp"

#include <csignal>
#include <mutex>
#include <string>

#include <spdlog/spdlog.h>

#include "progress_bar.hpp"

namespace nas::host {

namespace {
std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int signal) {
  int none = 0;
  g_stop_signal.compare_exchange_strong(none, signal);
  std::signal(SIGINT, SIG_DFL);  // a second signal ends the process at once
  std::signal(SIGTERM, SIG_DFL);
}
}  // namespace

void install_stop_handler() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}
std::atomic<bool> g_fault{false};
std::mutex g_fault_mutex;
std::string g_fault_reason;

bool stop_signal_received() { return g_stop_signal.load() != 0 || g_fault.load(); }
void request_fault_stop(const std::string& reason) {
  {
    std::lock_guard lock(g_fault_mutex);
    if (g_fault_reason.empty()) g_fault_reason = reason;
  }
  g_fault = true;
}
std::string fault_reason() {
  std::lock_guard lock(g_fault_mutex);
  return g_fault_reason;
}
int stop_signal() { return g_stop_signal.load(); }
const char* stop_signal_name() {
  const int s = g_stop_signal.load();
  return s == SIGINT ? "Ctrl-C" : s == SIGTERM ? "SIGTERM" : s ? "a stop signal" : g_fault ? "a fault" : "no signal";
}

RunContext::RunContext(const Registry& registry, std::filesystem::path run_dir, uint64_t seed, c10::Device device,
                       std::vector<spdlog::sink_ptr> sinks, bool progress_bars, int rank)
    : registry_(registry),
      run_dir_(std::move(run_dir)),
      seed_(seed),
      device_(device),
      sinks_(std::move(sinks)),
      progress_bars_(progress_bars),
      metrics_(std::make_unique<MetricsWriter>(
          rank == 0 ? run_dir_ / "tensorboard" : run_dir_ / "tensorboard" / ("rank" + std::to_string(rank)),
          run_dir_ / (rank == 0 ? std::string("metrics.csv") : "metrics.rank" + std::to_string(rank) + ".csv"))) {}

RunContext::~RunContext() = default;

std::shared_ptr<spdlog::logger> RunContext::logger(const std::string& component) {
  std::lock_guard lock(mutex_);
  auto it = loggers_.find(component);
  if (it != loggers_.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(component, sinks_.begin(), sinks_.end());
  logger->set_level(spdlog::default_logger()->level());
  logger->flush_on(spdlog::level::trace);  // as the host's logger: log.txt is written line by line
  loggers_[component] = logger;
  return logger;
}

std::unique_ptr<Progress> RunContext::progress(const std::string& label, int64_t total) {
  auto bar = std::make_unique<ProgressBar>(label, total, progress_bars_);
  if (progress_finished_) bar->on_finish(progress_finished_);
  return bar;
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

std::shared_ptr<Trainer> RunContext::trainer(const std::string& name, const Json& options) {
  return registry_.make_trainer(name, options, *this);
}

}  // namespace nas::host
