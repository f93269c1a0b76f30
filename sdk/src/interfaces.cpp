// Out-of-line key functions: each interface's type information lives in the SDK
// library, so dynamic_cast and exception matching work across plugin boundaries.
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/error.hpp"
#include "nashost/operation_set.hpp"
#include "nashost/plugin.hpp"
#include "nashost/strategy.hpp"
#include "nashost/version.hpp"

#include <ATen/ATen.h>

namespace nas {

Error::~Error() = default;
ConfigError::~ConfigError() = default;
DataError::~DataError() = default;
DataMissingError::~DataMissingError() = default;
NumericError::~NumericError() = default;
Interrupted::~Interrupted() = default;
MetricsSink::~MetricsSink() = default;
Progress::~Progress() = default;
HostContext::~HostContext() = default;
BatchLoader::~BatchLoader() = default;
Dataset::~Dataset() = default;
Op::~Op() = default;
OperationSet::~OperationSet() = default;
SearchStrategy::~SearchStrategy() = default;
Trainer::~Trainer() = default;
Registrar::~Registrar() = default;

std::string sdk_version_string() {
  return std::to_string(NASHOST_SDK_VERSION_MAJOR) + "." + std::to_string(NASHOST_SDK_VERSION_MINOR) + "." +
         std::to_string(NASHOST_SDK_VERSION_PATCH);
}
std::string host_build_fingerprint() { return NASHOST_BUILD_FINGERPRINT; }

const char* task_name(Task task) {
  switch (task) {
    case Task::Classification:
      return "classification";
    case Task::Regression:
      return "regression";
    case Task::LanguageModel:
      return "language-model";
  }
  return "?";
}

const char* split_name(Split split) {
  switch (split) {
    case Split::Train:
      return "train";
    case Split::Valid:
      return "valid";
    case Split::Test:
      return "test";
    case Split::TrainFull:
      return "train_full";
  }
  return "?";
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::Train;
  if (name == "valid") return Split::Valid;
  if (name == "test") return Split::Test;
  if (name == "train_full") return Split::TrainFull;
  throw ConfigError("unknown split '" + name + "'; valid: train, valid, test, train_full");
}

const char* component_kind_name(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::Strategy:
      return "strategy";
    case ComponentKind::Dataset:
      return "dataset";
    case ComponentKind::OperationSet:
      return "operation-set";
    case ComponentKind::Trainer:
      return "trainer";
  }
  return "?";
}

at::Tensor Dataset::tokens(Split) const {
  throw Error("dataset '" + info().name + "' is not a language-model dataset (it has no token stream)");
}
std::vector<std::string> Dataset::vocabulary() const {
  throw Error("dataset '" + info().name + "' is not a language-model dataset (it has no vocabulary)");
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters(/*recurse=*/true))
    if (p.requires_grad()) n += p.numel();
  return n;
}

int64_t OperationSet::param_count(const std::string& op, const OpArgs& args) const {
  return count_parameters(*make(op, args));
}

int64_t OperationSet::index_of(const std::string& op) const {
  const auto& names = ops();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == op) return static_cast<int64_t>(i);
  std::string valid;
  for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
  throw ConfigError("unknown operation '" + op + "'; this operation set has: " + valid);
}

bool OperationSet::contains(const std::string& op) const {
  const auto& names = ops();
  return std::find(names.begin(), names.end(), op) != names.end();
}

}  // namespace nas
