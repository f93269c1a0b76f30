#pragma once
// PC-DARTS (Xu et al. 2020): DARTS with partial channel connections and edge normalisation
// (partial_channels.hpp) on the SDK's supernet, whose edge ops are built for C/K channels
// (SearchNetworkOptions::partial_channels) and run through forward_edges(). Per step, after
// `warmup_epochs` epochs of weights only: a first-order architecture step (α and β, Adam) on a
// validation batch through the SDK's bilevel gradient, then an SGD step of the weights on a
// training batch. The genotype is the DARTS rule on softmax(α) scaled by the normalised β.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <nashost/config.hpp>
#include <nashost/context.hpp>
#include <nashost/dataset.hpp>
#include <nashost/nn/darts_search_network.hpp>
#include <nashost/strategy.hpp>

namespace pc_darts {

/// The options of "pc-darts", with the paper's CIFAR-10 values as defaults.
nas::OptionList search_options();

class PcDartsSearch final : public nas::SearchStrategy {
 public:
  PcDartsSearch(const nas::Config& options, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx);

  int64_t total_epochs() const override { return epochs_; }
  int64_t completed_epochs() const override { return epoch_; }
  nas::Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  std::vector<nas::Genotype> derive(const nas::Config& args) override;
  nas::Json state_summary() const override;

  /// The supernet with partial-channel edges, α and β as they are (`detach_arch`: as constants).
  at::Tensor forward(const at::Tensor& x, bool detach_arch = false);
  /// One step: the architecture (after the warm-up), then the weights; the weight step's loss.
  double step(const nas::Batch& train, const nas::Batch& valid, double lr, bool update_arch, double& correct);
  nas::nn::DartsSearchNetworkImpl& network() { return *net_; }
  /// α normal, α reduce, β normal, β reduce.
  const std::vector<at::Tensor>& arch() const { return arch_; }

 private:
  nas::Config options_;
  std::shared_ptr<nas::Dataset> data_;
  nas::HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  nas::nn::DartsSearchNetwork net_{nullptr};
  std::vector<at::Tensor> arch_;
  std::vector<at::Tensor> weights_;
  std::unique_ptr<torch::optim::SGD> w_opt_;
  std::unique_ptr<torch::optim::Adam> a_opt_;
  std::unique_ptr<nas::BatchLoader> train_loader_, valid_loader_, eval_loader_;
  int64_t epochs_ = 0, epoch_ = 0, nodes_ = 4, k_ = 4, warmup_ = 0, max_steps_ = 0, max_eval_batches_ = 0;
  double w_lr_ = 0, w_lr_min_ = 0, grad_clip_ = 0;
};

}  // namespace pc_darts
