#pragma once
// nashost/support/: tools for tests, benchmarks and the host, not part of the plugin contract
// (plugin.hpp, config.hpp, context.hpp, dataset.hpp, operation_set.hpp, strategy.hpp, ...).
// A HostContext for tests, benchmarks and tools that run components without the host:
// logs to stderr, keeps metrics in memory, draws no progress bars, and looks up
// operation sets and trainers from maps the caller fills.
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "nashost/context.hpp"
#include "nashost/operation_set.hpp"
#include "nashost/strategy.hpp"

namespace nas {

class NASHOST_SDK_API StandaloneContext : public HostContext, public MetricsSink {
 public:
  struct Scalar {
    std::string tag;
    double value;
    int64_t step;
  };

  explicit StandaloneContext(std::filesystem::path run_dir, uint64_t seed = 0,
                             c10::Device device = c10::Device(c10::kCPU));
  ~StandaloneContext() override;

  std::shared_ptr<spdlog::logger> logger(const std::string& component) override;
  c10::Device device() const override { return device_; }
  uint64_t seed() const override { return seed_; }
  std::filesystem::path run_dir() const override { return run_dir_; }
  MetricsSink& metrics() override { return *this; }
  std::unique_ptr<Progress> progress(const std::string& label, int64_t total) override;
  bool stop_requested() const override { return stop_; }
  std::shared_ptr<const OperationSet> operation_set(const std::string& name) override;
  std::shared_ptr<Trainer> trainer(const std::string& name, const Json& options) override;

  void scalar(const std::string& tag, double value, int64_t step) override;
  void text(const std::string& tag, const std::string& value, int64_t step) override;

  void add_operation_set(const std::string& name, std::shared_ptr<const OperationSet> set);
  using TrainerMaker = std::function<std::shared_ptr<Trainer>(const Json& options, HostContext& ctx)>;
  void add_trainer(const std::string& name, TrainerMaker make);
  void request_stop() { stop_ = true; }
  std::vector<Scalar> scalars() const;

 private:
  std::filesystem::path run_dir_;
  uint64_t seed_;
  c10::Device device_;
  bool stop_ = false;
  std::map<std::string, std::shared_ptr<const OperationSet>> sets_;
  std::map<std::string, TrainerMaker> trainers_;
  mutable std::mutex mutex_;
  std::vector<Scalar> scalars_;
};

}  // namespace nas
