#pragma once
// Search strategies and genotype trainers.
//
// A strategy runs epoch by epoch so the host can show progress, write metrics and
// checkpoint between epochs; save()/load() make a run resumable. derive() turns the
// current search state into genotypes (DARTS-CC derives one per λ̃).
// A trainer trains one genotype from scratch and tests it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nashost/config.hpp"
#include "nashost/export.hpp"
#include "nashost/genotype.hpp"

namespace nas {

class Dataset;
class HostContext;

/// Named numbers from one epoch or one training run ("train_loss", "valid_accuracy", ...).
using Metrics = std::map<std::string, double>;

class NASHOST_SDK_API SearchStrategy {
 public:
  virtual ~SearchStrategy();
  virtual int64_t total_epochs() const = 0;
  virtual int64_t completed_epochs() const = 0;
  /// Runs the next epoch; returns its metrics.
  virtual Metrics run_epoch() = 0;
  /// Everything needed to continue exactly: weights, architecture, optimisers, RNG, epoch.
  /// The host writes `file` atomically (it passes a temporary path and renames it).
  virtual void save(const std::filesystem::path& file) const = 0;
  virtual void load(const std::filesystem::path& file) = 0;
  /// Genotypes from the current state; `args` are strategy-specific (e.g. lambda).
  virtual std::vector<Genotype> derive(const Config& args) = 0;
  /// Strategy-specific state for scripts (e.g. alpha matrices).
  virtual Json state_summary() const { return Json::object(); }
};

struct TrainResult {
  int64_t params = 0;  ///< trainable parameters of the trained model (aux heads excluded)
  Metrics metrics;     ///< e.g. test_accuracy, test_loss, best_test_accuracy, test_r2
  std::filesystem::path model_file;
};

class NASHOST_SDK_API Trainer {
 public:
  virtual ~Trainer();
  /// Parameter count of the network this trainer would build (aux heads excluded).
  virtual int64_t count_params(const Genotype& genotype, Dataset& data) = 0;
  /// Trains `genotype` from scratch, tests it, saves the model under the run directory.
  virtual TrainResult train(const Genotype& genotype, Dataset& data) = 0;
};

}  // namespace nas
