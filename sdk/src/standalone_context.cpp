#include "nashost/support/standalone_context.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "nashost/error.hpp"

namespace nas {

namespace {
class SilentProgress final : public Progress {
 public:
  void advance(int64_t) override {}
  void set_status(const std::string&) override {}
  void finish() override {}
};
}  // namespace

StandaloneContext::StandaloneContext(std::filesystem::path run_dir, uint64_t seed, c10::Device device)
    : run_dir_(std::move(run_dir)), seed_(seed), device_(device) {}
StandaloneContext::~StandaloneContext() = default;

std::shared_ptr<spdlog::logger> StandaloneContext::logger(const std::string& component) {
  if (auto existing = spdlog::get(component)) return existing;
  auto logger = std::make_shared<spdlog::logger>(component, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(spdlog::level::warn);
  return logger;
}

std::unique_ptr<Progress> StandaloneContext::progress(const std::string&, int64_t) {
  return std::make_unique<SilentProgress>();
}

std::shared_ptr<const OperationSet> StandaloneContext::operation_set(const std::string& name) {
  auto it = sets_.find(name);
  if (it == sets_.end()) throw ConfigError("unknown operation set '" + name + "'");
  return it->second;
}

void StandaloneContext::add_operation_set(const std::string& name, std::shared_ptr<const OperationSet> set) {
  sets_[name] = std::move(set);
}

std::shared_ptr<Trainer> StandaloneContext::trainer(const std::string& name, const Json& options) {
  auto it = trainers_.find(name);
  if (it == trainers_.end()) throw ConfigError("unknown trainer '" + name + "'");
  return it->second(options, *this);
}

void StandaloneContext::add_trainer(const std::string& name, TrainerMaker make) { trainers_[name] = std::move(make); }

void StandaloneContext::scalar(const std::string& tag, double value, int64_t step) {
  std::lock_guard lock(mutex_);
  scalars_.push_back({tag, value, step});
}
void StandaloneContext::text(const std::string&, const std::string&, int64_t) {}

std::vector<StandaloneContext::Scalar> StandaloneContext::scalars() const {
  std::lock_guard lock(mutex_);
  return scalars_;
}

}  // namespace nas
