#pragma once
// SearchStrategy "darts-cc": one search yields a family of architectures indexed by the
// complexity λ (docs/methods.md, DARTS-CC). Each step samples λ log-uniformly, takes an architecture
// step on the validation half (CE + λ·expected parameter count; second order by
// default) and a weight step on the train half (CE). derive{lambda=λ̃, rule=} discretises
// α(λ̃) into a genotype.
#include <memory>
#include <random>
#include <vector>

#include <spdlog/logger.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "darts_cc_model.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/data_parallel.hpp"
#include "nashost/nn/step_graph.hpp"
#include "nashost/strategy.hpp"
#include "options.hpp"

namespace nas::darts_cc {

class DartsCCStrategy : public SearchStrategy {
 public:
  DartsCCStrategy(const Config& options, std::shared_ptr<Dataset> data, HostContext& ctx);

  int64_t total_epochs() const override { return settings_.epochs; }
  int64_t completed_epochs() const override { return epoch_; }
  Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  std::vector<Genotype> derive(const Config& args) override;
  Json state_summary() const override;

  DartsCCModel& model() { return model_; }
  /// The captured step (cuda_graph = true), else null. For the tests.
  const nn::StepGraph* step_graph() const { return graph_.get(); }
  /// Temperature used in epoch e.
  double temperature(int64_t epoch) const;

 private:
  /// One search step: architecture update, then weight update. Returns (train CE, train
  /// correct, arch CE, λ·E[params]).
  struct StepStats {
    double train_loss, train_correct, arch_loss, penalty, seen;
  };
  StepStats step(const Batch& trn, const Batch& val, const LambdaSample& lam, double temperature, double lr);
  /// step() as one graph-safe body (cuda_graph = true): captured and replayed on CUDA, eager on
  /// the CPU; λ, λ̃, t and the learning rate are inputs; the losses are checked after the step.
  StepStats graph_step(const Batch& trn, const Batch& val, const LambdaSample& lam, double temperature, double lr);
  /// inputs {train x, train y, valid x, valid y, λ, λ̃, t, lr, Adam step number}; outputs
  /// {train CE, train correct, arch CE, penalty, the architecture step's losses...}.
  std::vector<at::Tensor> graph_body(const std::vector<at::Tensor>& inputs);
  double valid_accuracy_at_zero(double temperature);
  std::string fingerprint() const;

  SearchSettings settings_;
  std::shared_ptr<Dataset> data_;
  HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<const OperationSet> ops_;
  LambdaRange range_;
  DartsCCModel model_{nullptr};
  std::vector<at::Tensor> weights_, arch_, buffers_;
  nn::DataParallel parallel_;  ///< the batch split over ranks and micro-batches
  std::unique_ptr<torch::optim::SGD> w_opt_;
  std::unique_ptr<torch::optim::Adam> a_opt_;
  std::unique_ptr<BatchLoader> train_, valid_;
  int64_t epoch_ = 0;
  int64_t global_step_ = 0;
  std::unique_ptr<nn::StepGraph> graph_;       ///< cuda_graph = true
  std::vector<std::string> graph_loss_names_;  ///< what outputs 4.. of graph_body are
};

}  // namespace nas::darts_cc
