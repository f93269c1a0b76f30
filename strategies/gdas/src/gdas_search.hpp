#pragma once
// GDAS (Dong & Yang 2019): the DARTS supernet, but every edge runs one operation per step,
// drawn from softmax(α) with the Gumbel-max trick and weighted by a straight-through
// Gumbel-softmax sample (gumbel_hard.hpp); the temperature anneals linearly from tau_max to
// tau_min. Per step: an SGD step of the weights on a training batch, then an Adam step of α
// on a validation batch, each with its own draw (first order, as the reference). The result is
// derived from α by the DARTS rule (nashost/nn/derive_cell.hpp): an ordinary darts genotype.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <spdlog/logger.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <nashost/config.hpp>
#include <nashost/context.hpp>
#include <nashost/dataset.hpp>
#include <nashost/nn/darts_search_network.hpp>
#include <nashost/strategy.hpp>

#include "gumbel_hard.hpp"

namespace gdas {

/// The options of "gdas", with the paper's values as defaults.
nas::OptionList search_options();

class GdasSearch final : public nas::SearchStrategy {
 public:
  GdasSearch(const nas::Config& options, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx);

  int64_t total_epochs() const override { return epochs_; }
  int64_t completed_epochs() const override { return epoch_; }
  nas::Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  std::vector<nas::Genotype> derive(const nas::Config& args) override;
  nas::Json state_summary() const override;

  /// The network with one drawn op per edge (normal cells from `normal`, reductions from `reduce`).
  at::Tensor forward(const at::Tensor& x, const HardSample& normal, const HardSample& reduce);
  nas::nn::DartsSearchNetworkImpl& network() { return *net_; }
  const at::Tensor& alpha_normal() const { return alpha_normal_; }
  const at::Tensor& alpha_reduce() const { return alpha_reduce_; }

 private:
  /// The weight step, then the architecture step; returns the weight step's loss.
  double step(const nas::Batch& train, const nas::Batch& valid, double lr, double tau, double& correct);

  nas::Config options_;
  std::shared_ptr<nas::Dataset> data_;
  nas::HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  nas::nn::DartsSearchNetwork net_{nullptr};
  at::Tensor alpha_normal_, alpha_reduce_;
  std::vector<at::Tensor> weights_;
  std::unique_ptr<torch::optim::SGD> w_opt_;
  std::unique_ptr<torch::optim::Adam> a_opt_;
  std::unique_ptr<nas::BatchLoader> train_loader_, valid_loader_, eval_loader_;
  at::Generator gumbel_gen_;  ///< the Gumbel noise of every draw (checkpointed)
  int64_t epochs_ = 0, epoch_ = 0, nodes_ = 4, max_steps_ = 0, max_eval_batches_ = 0;
  double w_lr_ = 0, w_lr_min_ = 0, grad_clip_ = 0, tau_max_ = 10, tau_min_ = 0.1;
};

}  // namespace gdas
