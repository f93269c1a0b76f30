#pragma once
// The "enas" search strategy, RNN network: per epoch (1) train the shared RNN for
// shared_steps steps on DAGs sampled from the controller, (2) train the controller with
// REINFORCE for controller_steps steps (reward = reward_c / ppl of the sampled DAG on one
// validation minibatch, shared model in training mode as in the reference), (3) derive the
// best of derive_samples DAGs, evaluate it on the whole validation set, draw it, and write
// the shared-model file that enas-rnn-eval loads.
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <torch/optim/optimizer.h>

#include "rnn/rnn_controller.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/data_parallel.hpp"
#include "nashost/operation_set.hpp"
#include "nashost/strategy.hpp"
#include "common/search_options.hpp"
#include "rnn/shared_rnn.hpp"
#include "rnn/rnn_shared_training.hpp"

namespace nas::enas {

class EnasRnnSearch final : public SearchStrategy {
 public:
  EnasRnnSearch(const Config& options, std::shared_ptr<Dataset> data, HostContext& ctx);

  int64_t total_epochs() const override { return loop_.epochs; }
  int64_t completed_epochs() const override { return epoch_; }
  Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  std::vector<Genotype> derive(const Config& args) override;
  Json state_summary() const override;

  // Pieces of an epoch, public for tests and the benchmark.
  double shared_train_step();
  struct ControllerStepResult {
    double reward, entropy, loss, ppl;
  };
  ControllerStepResult controller_step();
  struct Scored {
    Dag dag;
    double ppl;
  };
  /// Best of `samples` controller samples by ppl on the first validation minibatch
  /// (or the whole validation set), shared model in eval mode.
  Scored best_sample(int64_t samples, bool full_valid);

  SharedRnnImpl& shared() { return *shared_; }
  ControllerImpl& controller() { return *controller_; }
  const Reinforce& reinforce() const { return reinforce_; }
  std::filesystem::path shared_model_file() const;

 private:
  void write_epoch_outputs(const Scored& best, double full_valid_ppl);

  Config options_;
  std::shared_ptr<Dataset> data_;
  HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<const OperationSet> ops_;
  TrainType train_type_;
  SearchLoop loop_;
  double reward_c_;
  bool ppl_square_;
  SharedTrainOptions train_opts_;

  SharedRnn shared_{nullptr};
  Controller controller_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> shared_optim_, controller_optim_;
  /// Shared-weight steps split over ranks and micro-batches; the controller steps are the
  /// same on every rank and rank 0's controller is broadcast after each phase.
  nn::DataParallel parallel_;
  /// Ranks: the controller from rank 0 (after its phase); the largest difference of all
  /// parameters between ranks (end of an epoch) into `m`.
  void sync_controller();
  void check_ranks(Metrics& m);
  Reinforce reinforce_;
  struct SearchCheckpointParts parts() const;
  TokenStream train_;
  at::Tensor valid_rows_, eval_rows_;
  int64_t valid_cursor_ = 0;
  at::Tensor valid_hidden_;

  int64_t epoch_ = 0, shared_step_ = 0, controller_step_ = 0;
  double best_valid_ppl_ = 0.0;
  Dag derived_;
  Json frames_ = Json::array();  ///< one entry per epoch for the HTML page
  bool warned_render_ = false;
};

}  // namespace nas::enas
