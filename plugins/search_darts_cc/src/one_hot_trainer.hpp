#pragma once
// Trainer "one-hot" (docs/methods.md, DARTS-CC): the DARTS-CC fine-tuning model. It builds the same
// supernet as the search (every candidate op on every edge, op BN affine=False) but runs
// only the genotype's op on each edge (none = zero) with the supernet's plain Linear
// head; trains on the full training set and uses the test set as validation, reporting
// the best-epoch test accuracy as the authors did (optimistic by design; docs/methods.md, DARTS-CC).
//
// Parameter count = fixed part (stem, preprocessing, head) + parameters of the selected
// ops, i.e. the unused candidates are not counted.
#include <functional>
#include <memory>
#include <optional>

#include <spdlog/logger.h>

#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "nashost/strategy.hpp"
#include "options.hpp"

namespace nas::darts_cc {

/// Op index per edge, in the operation set's order, for both cell types.
struct OneHotChoice {
  std::vector<int64_t> normal, reduce;
};
OneHotChoice one_hot_choice(const Genotype& genotype, const std::vector<std::string>& op_names, int64_t nodes);

/// Closed form: count_parameters(net) − all candidate-op parameters + selected ones.
int64_t one_hot_param_count(const nn::DartsSearchNetworkImpl& net, const OneHotChoice& choice);

class OneHotTrainer : public Trainer {
 public:
  OneHotTrainer(const Config& options, HostContext& ctx);
  int64_t count_params(const Genotype& genotype, Dataset& data) override;
  TrainResult train(const Genotype& genotype, Dataset& data) override;

 private:
  struct AuxTap {
    nn::AuxiliaryHead head{nullptr};  ///< null without `auxiliary`
    int64_t after_cell = -1;
  };
  AuxTap make_aux_head(const nn::DartsSearchNetworkImpl& net, const DatasetInfo& info) const;
  void write_card(const std::filesystem::path& model_file, nn::DartsSearchNetworkImpl& net, const DatasetInfo& info,
                  const OneHotChoice& choice, const Genotype& genotype, int64_t params) const;

  /// One fine-tuning: the network (and auxiliary head), its optimiser and loaders, and the
  /// tallies of the epoch under way and of the best epoch so far.
  struct Run;
  /// Checks the data and the genotype, then builds the network from the run's seed.
  std::unique_ptr<Run> start_run(const Genotype& genotype, Dataset& data);
  /// Sets the epoch's learning rate and drop-path probability; returns its step count.
  int64_t begin_epoch(Run& run, int64_t epoch);
  /// One SGD step on the next batch (nullopt when the epoch's data is spent); its loss.
  std::optional<double> train_step(Run& run, int64_t epoch);
  /// The step's arithmetic on batch `b`: lr from the 0-dim tensor `lr` (a captured step's
  /// input) or, undefined, from the optimiser; `check(loss)` before the update. Returns {loss,
  /// correct predictions}.
  std::vector<at::Tensor> step_body(Run& run, const Batch& b, const at::Tensor& lr,
                                    const std::function<void(const at::Tensor&)>& check);
  /// Scores the test set, logs, keeps the network if it is the best epoch's.
  void end_epoch(Run& run, int64_t epoch, int64_t steps_done);
  TrainResult result_of(const Run& run) const;

  OneHotSettings settings_;
  HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<const OperationSet> ops_;
  int64_t runs_ = 0;
};

}  // namespace nas::darts_cc
