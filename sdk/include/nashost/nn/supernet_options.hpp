#pragma once
// The options every strategy on the DARTS supernet declares — its shape, the loaders, the
// weights' SGD, the epoch caps — and what they build, so a strategy states only what is its
// own (strategies/rs_ws, gdas, pc_darts; docs/writing-a-strategy.md).
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/config.hpp"
#include "nashost/export.hpp"
#include "nashost/nn/darts_search_network.hpp"

namespace nas {
struct DatasetInfo;
}

namespace nas::nn {

/// Defaults of the weight step (SGD, cosine from w_lr to w_lr_min); the DARTS search's.
struct WeightSgdDefaults {
  double lr = 0.025, lr_min = 0.001, momentum = 0.9, weight_decay = 3e-4, grad_clip = 5.0;
};

/// "operation_set", "layers", "channels", "nodes", "stem_multiplier" (the DARTS search's
/// supernet: 8 cells, C = 16, 4 nodes, stem 3); "batch_size" (`batch_size` by default),
/// "augment", "workers"; "w_lr", "w_lr_min", "w_momentum", "w_weight_decay", "w_grad_clip"
/// (`sgd`); "max_steps_per_epoch", "max_eval_batches". A strategy appends its own.
NASHOST_SDK_API OptionList supernet_search_options(int64_t batch_size, const WeightSgdDefaults& sgd = {});

/// The supernet those options describe for `data`, which must be an image classification
/// set (ConfigError naming `strategy` otherwise); sizes bounded by nn/limits.hpp, the
/// error naming the key.
NASHOST_SDK_API SearchNetworkOptions supernet_from_options(const Config& options, const DatasetInfo& data,
                                                           const std::string& strategy);

/// The supernet's shape keys, the options a checkpoint must share with the run that loads it.
NASHOST_SDK_API const std::vector<std::string>& supernet_shape_keys();

/// ConfigError naming the first of supernet_shape_keys() and `extra_keys` on which `saved`
/// (the options a checkpoint was written with) and `options` differ.
NASHOST_SDK_API void check_checkpoint_shape(const Json& saved, const Config& options,
                                            const std::filesystem::path& checkpoint, const std::string& strategy,
                                            const std::vector<std::string>& extra_keys = {});

}  // namespace nas::nn
