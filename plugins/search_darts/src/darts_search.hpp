#pragma once
// The "darts" search strategy: bilevel search over the DARTS supernet, first or second
// order (docs/methods.md, DARTS), epoch by epoch, resumable.
#include <memory>

#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "nashost/config.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/bilevel.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "nashost/nn/data_parallel.hpp"
#include "nashost/nn/step_graph.hpp"
#include "nashost/strategy.hpp"

namespace nas::darts {

/// Options with the paper defaults (Liu et al. 2019); every value is a TOML key.
const OptionList& search_options();

class DartsSearch : public SearchStrategy {
 public:
  DartsSearch(const Config& options, std::shared_ptr<Dataset> data, HostContext& ctx);

  int64_t total_epochs() const override { return epochs_; }
  int64_t completed_epochs() const override { return epoch_; }
  Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  std::vector<Genotype> derive(const Config& args) override;
  Json state_summary() const override;

  Genotype current_genotype() const;
  const at::Tensor& alpha_normal() const { return alpha_normal_; }
  const at::Tensor& alpha_reduce() const { return alpha_reduce_; }
  nn::DartsSearchNetwork& network() { return net_; }
  /// One search iteration (architecture step, then weight step); returns the train loss
  /// and the (detached) outputs of the weight step's forward. Public for the benchmark.
  /// `where` ("epoch 3/50, step 17/390") goes into the error if a loss is not finite.
  /// With several ranks (or micro_batches > 1) the outputs are this rank's rows only
  /// (DataParallel::local_rows), the loss the mean over every shard.
  std::pair<double, at::Tensor> step(const Batch& train, const Batch& valid, double lr, const std::string& where);
  const nn::DataParallel& data_parallel() const { return parallel_; }
  /// The captured step (cuda_graph = true), else null. For the benchmark and the tests.
  const nn::StepGraph* step_graph() const { return graph_.get(); }

 private:
  /// The architecture step's problem on batches `tb` and `vb` (which must outlive it) and its
  /// options without ξ: what step() and graph_body() share.
  nn::BilevelProblem bilevel_problem(const Batch& tb, const Batch& vb);
  nn::BilevelOptions bilevel_options() const;
  /// step() as one graph-safe body (cuda_graph = true): captured in a CUDA graph and replayed
  /// on CUDA; eager on the CPU. Same arithmetic to rounding; the losses are checked after it.
  std::pair<double, at::Tensor> graph_step(const Batch& train, const Batch& valid, double lr, const std::string& where);
  /// The body: inputs {train input, train target, valid input, valid target, lr, Adam step
  /// number}; outputs {weight-step loss, its logits, the architecture step's losses...}.
  std::vector<at::Tensor> graph_body(const std::vector<at::Tensor>& inputs);
  void write_epoch_outputs(int64_t epoch, const Metrics& metrics);
  Metrics evaluate();

  /// The options read at every step, parsed once (the rest are used in the constructor).
  struct StepSettings {
    double w_lr, w_lr_min, w_momentum, w_weight_decay, w_grad_clip;
    int64_t max_steps_per_epoch, max_eval_batches;
    bool plots;
  };
  static StepSettings parse_step_settings(const Config& o);

  Config options_;
  StepSettings settings_;
  std::shared_ptr<Dataset> data_;
  HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  Task task_;
  int64_t epochs_, epoch_ = 0, nodes_;
  bool second_order_;
  c10::Device device_;
  nn::DartsSearchNetwork net_{nullptr};
  at::Tensor alpha_normal_, alpha_reduce_;
  std::vector<at::Tensor> weights_;
  std::unique_ptr<torch::optim::SGD> w_opt_;
  std::unique_ptr<torch::optim::Adam> a_opt_;
  std::unique_ptr<BatchLoader> train_loader_, valid_loader_, eval_loader_;
  std::filesystem::path out_dir_;
  bool plots_warned_ = false;
  nn::DataParallel parallel_;                  ///< the batch split over ranks and micro-batches
  std::unique_ptr<nn::StepGraph> graph_;       ///< cuda_graph = true
  std::vector<std::string> graph_loss_names_;  ///< what outputs 2.. of graph_body are
};

}  // namespace nas::darts
