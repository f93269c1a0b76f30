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

/// A search, driven by the host epoch by epoch (search:run in Lua). Made by its factory with
/// validated options and the script's dataset; owned by the host. Errors: ConfigError for
/// option combinations, nas::NumericError when the loss diverges (NaN/inf: say which loss
/// and what to lower), nas::Interrupted when HostContext::stop_requested() (checked between
/// steps). The host checkpoints after every epoch that returned; an epoch that threw is
/// never saved, so save()/load() need only be exact at epoch boundaries.
class NASHOST_SDK_API SearchStrategy {
 public:
  virtual ~SearchStrategy();
  /// Epochs the search runs in all (0: a strategy without training, e.g. random sampling).
  virtual int64_t total_epochs() const = 0;
  /// Epochs done so far (restored by load()).
  virtual int64_t completed_epochs() const = 0;
  /// Runs the next epoch; returns its metrics ("train_loss", "valid_accuracy", ...), which
  /// the host logs and writes to TensorBoard as "<label>/<key>".
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

/// Trains genotypes from scratch (nas.train, trainer:train). Made by its factory with
/// validated options; owned by the host; may train many genotypes in turn, each from the
/// run's seed (so results do not depend on the order). The host records each result under
/// train/<label>/ and reuses it on --resume; the label is genotype.meta.label when set.
class NASHOST_SDK_API Trainer {
 public:
  virtual ~Trainer();
  /// Parameter count of the network this trainer would build (aux heads excluded). Throws
  /// ConfigError when the genotype does not fit the trainer's space or the dataset.
  virtual int64_t count_params(const Genotype& genotype, Dataset& data) = 0;
  /// Trains `genotype` from scratch, tests it, saves the model (model.pt with model.json,
  /// nashost/model_card.hpp) under run_dir/train/<label>/. Throws as SearchStrategy::run_epoch;
  /// a stop request ends the training with nas::Interrupted and nothing is recorded.
  virtual TrainResult train(const Genotype& genotype, Dataset& data) = 0;
};

}  // namespace nas
