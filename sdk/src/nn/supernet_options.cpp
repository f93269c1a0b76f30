#include "nashost/nn/supernet_options.hpp"

#include "nashost/dataset.hpp"
#include "nashost/error.hpp"
#include "nashost/nn/limits.hpp"

namespace nas::nn {

OptionList supernet_search_options(int64_t batch_size, const WeightSgdDefaults& sgd) {
  return {
      {"operation_set", OptionType::String, "darts", "candidate ops of every edge"},
      {"layers", OptionType::Int, 8, "cells of the supernet (reductions at 1/3 and 2/3)"},
      {"channels", OptionType::Int, 16, "channels of the first cells"},
      {"nodes", OptionType::Int, 4, "intermediate nodes per cell"},
      {"stem_multiplier", OptionType::Int, 3, "stem channels = stem_multiplier x channels"},
      {"batch_size", OptionType::Int, batch_size, "batch size (training and validation)"},
      {"augment", OptionType::Bool, true, "the dataset's training augmentation"},
      {"workers", OptionType::Int, 1, "loader threads"},
      {"w_lr", OptionType::Float, sgd.lr, "weights: SGD learning rate (cosine to w_lr_min)"},
      {"w_lr_min", OptionType::Float, sgd.lr_min, "weights: final learning rate"},
      {"w_momentum", OptionType::Float, sgd.momentum, "weights: SGD momentum"},
      {"w_weight_decay", OptionType::Float, sgd.weight_decay, "weights: weight decay"},
      {"w_grad_clip", OptionType::Float, sgd.grad_clip, "weights: gradient-norm clip"},
      {"max_steps_per_epoch", OptionType::Int, 0, "training steps per epoch (0 = one pass over the data)"},
      {"max_eval_batches", OptionType::Int, 0, "validation batches of the per-epoch evaluation (0 = all)"},
  };
}

SearchNetworkOptions supernet_from_options(const Config& o, const DatasetInfo& info, const std::string& strategy) {
  if (info.task != Task::Classification || info.input_shape.size() != 3)
    throw ConfigError(strategy + ": dataset '" + info.name + "' is not an image classification dataset");
  SearchNetworkOptions so;
  so.in_channels = info.input_shape[0];
  so.num_outputs = info.num_outputs;
  so.channels = o.get_int_in("channels", 1, kMaxChannels);
  so.layers = o.get_int_in("layers", 1, kMaxLayers);
  so.nodes = o.get_int_in("nodes", 1, kMaxNodes);
  so.stem_multiplier = o.get_int_in("stem_multiplier", 1, kMaxStemMultiplier);
  return so;
}

const std::vector<std::string>& supernet_shape_keys() {
  static const std::vector<std::string> keys = {"operation_set", "layers", "channels", "nodes", "stem_multiplier"};
  return keys;
}

void check_checkpoint_shape(const Json& saved, const Config& options, const std::filesystem::path& checkpoint,
                            const std::string& strategy, const std::vector<std::string>& extra_keys) {
  std::vector<std::string> keys = supernet_shape_keys();
  keys.insert(keys.end(), extra_keys.begin(), extra_keys.end());
  for (const std::string& key : keys)
    if (saved.value(key, Json()) != options.json().value(key, Json()))
      throw ConfigError(strategy + ": checkpoint '" + checkpoint.string() + "' was made with " + key + " = " +
                        saved.value(key, Json()).dump() + ", but this run has " +
                        options.json().value(key, Json()).dump());
}

}  // namespace nas::nn
