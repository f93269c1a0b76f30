#pragma once
// Options of the DARTS-CC components, with the authors' mini-FMNIST values as defaults
// (docs/methods.md, DARTS-CC), and their parsed, checked form.
#include <cstdint>
#include <string>

#include "darts_cc_model.hpp"
#include "lambda_range.hpp"
#include "nashost/nn/schedules.hpp"
#include "nashost/config.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/darts_search_network.hpp"

namespace nas::darts_cc {

/// Shape of the supernet (shared by the search and the one-hot trainer).
struct NetSettings {
  std::string ops = "darts";
  int64_t layers = 3, channels = 16, nodes = 4, stem_multiplier = 3;
  bool batch_edges = true;
  nn::Layout layout = nn::Layout::Auto;
  nn::SearchNetworkOptions for_data(const DatasetInfo& info) const;
};

struct SearchSettings {
  NetSettings net;
  int64_t epochs = 50, batch_size = 64, batches_per_epoch = 0, max_eval_batches = 0, workers = 1;
  bool augment = true;
  int64_t cutout = 0;
  double log10_lambda_min = -8, log10_lambda_max = -4;
  Sampling sampling = Sampling::GumbelSoftmax;
  double initial_temp = 1.0, temp_delta = -0.016;
  int64_t order = 2;
  int64_t micro_batches = 1;  ///< shards per rank (nashost/nn/data_parallel.hpp)
  bool cuda_graph = false;    ///< the step captured in a CUDA graph (nashost/nn/step_graph.hpp)
  double w_lr = 0.025, w_lr_min = 0.001, w_momentum = 0.9, w_weight_decay = 3e-4, w_grad_clip = 5.0;
  double alpha_lr = 1e-3, alpha_weight_decay = 1e-3, alpha_beta1 = 0.5, alpha_beta2 = 0.999;
  double pivot_lr_scale = 1.0;  ///< pivots' Adam lr = alpha_lr · this (1 = the authors)
};

struct OneHotSettings {
  NetSettings net;
  int64_t epochs = 100, batch_size = 96, batches_per_epoch = 0, max_eval_batches = 0, workers = 1;
  bool augment = true;
  int64_t cutout = 16;
  double lr = 0.025, lr_min = 0.0, momentum = 0.9, weight_decay = 3e-4, grad_clip = 5.0;
  /// Drop path in epoch e (from 0): drop_path_initial + drop_path_delta · e (the authors'
  /// "drop path proba initial" / "delta"; checked to stay in [0, 1) for every epoch).
  double drop_path_initial = 0.0, drop_path_delta = 0.0;
  /// Auxiliary head after cell ⌊2L/3⌋, loss weight aux_weight (the authors' full-CIFAR runs: 0.4).
  bool auxiliary = false;
  double aux_weight = 0.4;
  bool cuda_graph = false;  ///< the training step captured in a CUDA graph (nashost/nn/step_graph.hpp)
  double drop_path_at(int64_t epoch) const { return drop_path_initial + drop_path_delta * static_cast<double>(epoch); }
};

OptionList search_options();
/// Throws ConfigError naming the key for values out of range.
SearchSettings parse_search_settings(const Config& options);
OptionList derive_options();
OptionList one_hot_options();
OneHotSettings parse_one_hot_settings(const Config& options);
OptionList random_options();

using nn::cosine_lr;  // nashost/nn/schedules.hpp

/// Checks the dataset fits the network: classification, C×H×W input with H, W divisible
/// by 2^(number of reductions). Throws ConfigError naming the dataset.
void check_dataset(const DatasetInfo& info, const NetSettings& net, const std::string& component);

}  // namespace nas::darts_cc
