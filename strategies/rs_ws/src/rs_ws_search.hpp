#pragma once
// Random search with weight sharing (Li & Talwalkar 2019, "Random Search and Reproducibility
// for Neural Architecture Search"): the DARTS supernet's weights are trained on one uniformly
// sampled architecture per step (only its ops run: the discrete forward); then `rank_samples`
// fresh architectures are scored with the shared weights on the same few validation batches,
// the best `top_k` again on the whole validation split, and the best of those is the result.
// Everything comes from the installed SDK: the supernet (nashost/nn/darts_search_network.hpp),
// the cosine schedule, the data-parallel step, genotypes and their pictures.
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <spdlog/logger.h>
#include <torch/optim/sgd.h>

#include <nashost/cell_sampler.hpp>
#include <nashost/config.hpp>
#include <nashost/context.hpp>
#include <nashost/dataset.hpp>
#include <nashost/nn/darts_search_network.hpp>
#include <nashost/nn/data_parallel.hpp>
#include <nashost/strategy.hpp>

namespace rs_ws {

/// The options of "rs-ws", with the paper's values as defaults (it reuses the DARTS search
/// settings for the supernet and its training).
nas::OptionList search_options();
/// The arguments of derive(): samples and top_k (default: the options').
nas::OptionList derive_options();

/// Accuracy and mean loss of one architecture on some validation batches.
struct Score {
  double accuracy = 0, loss = 0;
  bool better_than(const Score& o) const { return accuracy != o.accuracy ? accuracy > o.accuracy : loss < o.loss; }
};

class RsWsSearch final : public nas::SearchStrategy {
 public:
  RsWsSearch(const nas::Config& options, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx);

  int64_t total_epochs() const override { return epochs_; }
  int64_t completed_epochs() const override { return epoch_; }
  nas::Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  /// The best of `samples` random architectures (see the file comment); writes the ranking
  /// to <run>/search/rs_ws/ranking.csv and the winner's pictures beside it.
  std::vector<nas::Genotype> derive(const nas::Config& args) override;
  nas::Json state_summary() const override;

  /// Scores `arch` with the shared weights on the first `batches` validation batches (0 =
  /// all), with batch statistics (each architecture normalises by its own activations, as in
  /// training) and without touching the running statistics.
  Score score(const nas::SampledArch& arch, int64_t batches);
  nas::nn::DartsSearchNetworkImpl& network() { return *net_; }
  const nas::CellSampler& sampler() const { return *sampler_; }

 private:
  double train_step(const nas::Batch& batch, double lr, const std::string& where, double& correct);

  nas::Config options_;
  std::shared_ptr<nas::Dataset> data_;
  nas::HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
  nas::nn::DataParallel parallel_;
  nas::nn::DartsSearchNetwork net_{nullptr};
  std::vector<at::Tensor> weights_;
  std::unique_ptr<torch::optim::SGD> opt_;
  std::unique_ptr<nas::BatchLoader> train_loader_, eval_loader_;
  std::unique_ptr<nas::CellSampler> sampler_;
  std::mt19937_64 rng_;  ///< the architectures of the training steps (checkpointed)
  int64_t epochs_ = 0, epoch_ = 0, max_steps_ = 0, max_eval_batches_ = 0;
  double lr_ = 0, lr_min_ = 0, momentum_ = 0, weight_decay_ = 0, grad_clip_ = 0;
};

}  // namespace rs_ws
