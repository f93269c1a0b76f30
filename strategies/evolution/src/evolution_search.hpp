#pragma once
// Regularised evolution (Real et al. 2019) as a multi-trial strategy on the DARTS cell space:
// every architecture is trained on its own by a trainer component (by default "darts-eval"
// with the paper's child budget) and judged by a metric the trainer reports on the
// validation split. One epoch of the search is one round of children (population.hpp).
//
// Parallel trials: a round's children are shared by the ranks of a run of N ranks
// (nashost/parallel_trials.hpp: the i-th child to train on rank i mod N, alone), and every
// rank gets every result back, so all hold the same population; rank 0 keeps the checkpoint.
// The trials and their results are those of a single process, whatever N: each child's
// training starts from the run's seed.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include <nashost/config.hpp>
#include <nashost/context.hpp>
#include <nashost/dataset.hpp>
#include <nashost/strategy.hpp>

#include "population.hpp"

namespace evolution {

/// The options of "evolution", with the paper's values as defaults.
nas::OptionList search_options();
/// The arguments of derive(): top.
nas::OptionList derive_options();
/// The child training of the paper (25 epochs, F = 24, N = 3 cells per stack, trained on the
/// train split and judged on the valid split) as "darts-eval" options; `trainer_options`
/// are laid over it when the trainer is "darts-eval".
nas::Json paper_child_training();

class EvolutionSearch final : public nas::SearchStrategy {
 public:
  EvolutionSearch(const nas::Config& options, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx);

  int64_t total_epochs() const override { return evolution_.rounds_total(); }
  int64_t completed_epochs() const override { return evolution_.rounds_done(); }
  /// Proposes a round, trains its children (shared by the ranks), adds them to the population.
  nas::Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  /// The `top` fittest architectures trained so far (the paper returns the best); writes the
  /// whole history to <run>/search/<label>/history.csv.
  std::vector<nas::Genotype> derive(const nas::Config& args) override;
  /// Trials, rounds, the fitness metric's name, the population (trial, fitness) and the whole
  /// history (trial, parent, fitness, params); fitness null for a diverged training.
  nas::Json state_summary() const override;

  const Evolution& evolution() const { return evolution_; }

 private:
  /// Trains the round's children (shared by the ranks) and returns them with their results.
  std::vector<Individual> train_round(const std::vector<nas::Genotype>& children);
  Individual train_child(const nas::Genotype& child);
  /// Rebuilds trained_ from the history (after load()).
  void remember_trained();

  nas::Config options_;
  std::shared_ptr<nas::Dataset> data_;
  nas::HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<nas::Trainer> trainer_;
  std::string fitness_, label_;
  bool keep_models_ = false;
  Evolution evolution_;
  /// Every architecture trained so far (its DARTS text) -> its first trial.
  std::map<std::string, int64_t> trained_;
};

}  // namespace evolution
