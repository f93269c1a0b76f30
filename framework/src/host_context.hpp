#pragma once
// The host's HostContext: one per run, shared by every component it creates.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include <spdlog/sinks/sink.h>

#include "nashost/context.hpp"
#include "registry.hpp"
#include "tensorboard_writer.hpp"

namespace nas::host {

class RunContext final : public HostContext {
 public:
  /// `rank` > 0 (a distributed run): metrics go to tensorboard/rank<k>/ and
  /// metrics.rank<k>.csv, beside rank 0's.
  RunContext(const Registry& registry, std::filesystem::path run_dir, uint64_t seed, c10::Device device,
             std::vector<spdlog::sink_ptr> sinks, bool progress_bars, int rank = 0);
  ~RunContext() override;

  std::shared_ptr<spdlog::logger> logger(const std::string& component) override;
  c10::Device device() const override { return device_; }
  uint64_t seed() const override { return seed_; }
  std::filesystem::path run_dir() const override { return run_dir_; }
  MetricsSink& metrics() override { return *metrics_; }
  std::unique_ptr<Progress> progress(const std::string& label, int64_t total) override;
  bool stop_requested() const override;
  std::shared_ptr<const OperationSet> operation_set(const std::string& name) override;
  std::shared_ptr<Trainer> trainer(const std::string& name, const Json& options) override;

  MetricsWriter& metrics_writer() { return *metrics_; }
  /// Told of every progress a component finishes (an epoch of a search or a training),
  /// with its label and seconds; the session's per-epoch status line.
  void on_progress_finished(std::function<void(const std::string& label, double seconds)> f) {
    progress_finished_ = std::move(f);
  }
  /// nas.seed(n): components created (and trainings started) afterwards use the new seed,
  /// so one script can repeat an experiment over several seeds.
  void set_seed(uint64_t seed) { seed_ = seed; }

 private:
  const Registry& registry_;
  std::filesystem::path run_dir_;
  uint64_t seed_;
  c10::Device device_;
  std::vector<spdlog::sink_ptr> sinks_;
  bool progress_bars_;
  std::unique_ptr<MetricsWriter> metrics_;
  std::recursive_mutex mutex_;
  std::map<std::string, std::shared_ptr<spdlog::logger>> loggers_;
  std::map<std::string, std::shared_ptr<const OperationSet>> operation_sets_;
  std::function<void(const std::string&, double)> progress_finished_;
};

/// SIGINT (Ctrl-C) and SIGTERM (what schedulers such as Slurm send before killing a job)
/// ask the run to stop; components see it through HostContext::stop_requested() and
/// the Lua script through a hook. A second signal ends the process at once.
void install_stop_handler();
bool stop_signal_received();
/// The signal that asked to stop (SIGINT, SIGTERM), 0 if none.
int stop_signal();
/// "Ctrl-C" or "SIGTERM", for messages (a static string: safe to hand to Lua errors).
const char* stop_signal_name();
/// Stops the run for a fault it cannot go on with (a rank of a distributed run died):
/// stop_signal_received() turns true, stop_signal() stays 0, and fault_reason() says why.
void request_fault_stop(const std::string& reason);
std::string fault_reason();

}  // namespace nas::host
