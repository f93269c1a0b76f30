#pragma once
// The "enas" search strategy with network = "cnn": the CNN search spaces of the ENAS
// paper, chosen by cnn_space: "micro" (cells, following the authors' code melodyguan/enas
// src/cifar10/micro_*.py) or "macro" (whole network, from the paper's description;
// docs/methods.md, ENAS). The space supplies controller, shared network and the
// written forms of an architecture (cnn_space.hpp); the loop below is the same for both.
// Per epoch: (1) shared_steps SGD steps of the shared child network (0 = one pass over
// the train split), each on an arc freshly sampled from the controller; (2) controller_steps
// REINFORCE updates, each averaging controller_num_aggregate sampled arcs; reward =
// accuracy of the arc on one shuffled validation minibatch (+ entropy_coeff * entropy of
// the sample; the macro space adds its skip penalty to the loss); (3) derive the best of derive_samples arcs on the
// first validation minibatch, evaluate it on the validation split, save genotype, pictures and the shared-model file.
// The shared network always normalises with batch statistics (the authors' search child
// runs its BNs with is_training=True even when evaluating), so it stays in train mode;
// only the classifier dropout distinguishes training/reward from evaluation.
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <torch/optim/optimizer.h>

#include "cnn/cnn_space.hpp"
#include "cnn/cnn_training.hpp"
#include "common/reinforce.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/data_parallel.hpp"
#include "nashost/strategy.hpp"
#include "common/search_options.hpp"

namespace nas::enas {

class EnasCnnSearch final : public SearchStrategy {
 public:
  EnasCnnSearch(const Config& options, std::shared_ptr<Dataset> data, HostContext& ctx);

  int64_t total_epochs() const override { return loop_.epochs; }
  int64_t completed_epochs() const override { return epoch_; }
  Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  std::vector<Genotype> derive(const Config& args) override;
  Json state_summary() const override;

  // Pieces of an epoch, public for tests.
  struct StepResult {
    double loss, accuracy;
  };
  StepResult shared_train_step(double lr);
  struct ControllerStepResult {
    double reward, accuracy, entropy, loss;
  };
  ControllerStepResult controller_step();
  struct Scored {
    ArcSeq arc;
    double accuracy;
  };
  /// Best of `samples` controller samples by accuracy on the first validation minibatch.
  Scored best_sample(int64_t samples);

  CnnSearchSpace& space() { return *space_; }
  torch::nn::Module& shared() { return space_->shared(); }
  torch::nn::Module& controller() { return space_->controller(); }
  const Reinforce& reinforce() const { return reinforce_; }
  std::filesystem::path shared_model_file() const;

 private:
  void write_epoch_outputs(const Scored& best, double valid_accuracy);
  /// Renders the space's pictures of `arc` to <stem>-<kind>.png; returns the files written
  /// (a missing Graphviz is warned about once, never an error).
  std::vector<std::filesystem::path> draw_pictures(const ArcSeq& arc, const std::filesystem::path& stem,
                                                   const std::string& caption);
  /// `arc` on the shared network, no dropout: what the evaluations run.
  ImageForward arc_forward(const ArcSeq& arc);
  double lr_for(int64_t epoch) const;

  Config options_;
  std::shared_ptr<Dataset> data_;
  HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  bool random_;
  SearchLoop loop_;
  int64_t aggregate_, max_eval_batches_;
  double grad_clip_, lr_max_, lr_min_;
  double aux_weight_;  ///< weight of the auxiliary head's loss (macro with auxiliary = true)
  int64_t lr_t0_, lr_t_mul_;

  std::unique_ptr<CnnSearchSpace> space_;
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
  std::unique_ptr<CyclingLoader> train_, valid_;
  std::unique_ptr<BatchLoader> eval_;

  int64_t epoch_ = 0, shared_step_ = 0, controller_step_ = 0;
  double best_valid_accuracy_ = 0.0;
  ArcSeq derived_;
  Json frames_ = Json::array();
  bool warned_render_ = false;
};

}  // namespace nas::enas
