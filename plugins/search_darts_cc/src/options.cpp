#include "options.hpp"

#include <cmath>

#include "cell_layout.hpp"
#include "nashost/error.hpp"
#include "nashost/nn/limits.hpp"

namespace nas::darts_cc {
namespace {

void net_options(OptionList& o) {
  o.push_back({"operation_set", OptionType::String, "darts", "operation set providing the candidate ops"});
  o.push_back({"layers", OptionType::Int, 3, "cells of the supernet (reductions at L/3 and 2L/3)"});
  o.push_back({"channels", OptionType::Int, 16, "initial cell width C"});
  o.push_back({"nodes", OptionType::Int, 4, "intermediate nodes per cell"});
  o.push_back({"stem_multiplier", OptionType::Int, 3, "stem width = stem_multiplier * channels"});
  o.push_back({"batch_edges", OptionType::Bool, true,
               "run the edges that share an input as grouped kernels (same arithmetic up to rounding, fewer kernels); "
               "false = edge by edge"});
  o.push_back({"memory_format", OptionType::String, "auto", nn::kLayoutOptionHelp});
}

NetSettings parse_net(const Config& c) {
  NetSettings n;
  n.ops = c.get_string("operation_set");
  // Sizes within nashost/nn/limits.hpp, checked before the supernet is allocated.
  n.layers = c.get_int_in("layers", 1, nn::kMaxLayers);
  n.channels = c.get_int_in("channels", 1, nn::kMaxChannels);
  n.nodes = c.get_int_in("nodes", 1, nn::kMaxNodes);
  n.stem_multiplier = c.get_int_in("stem_multiplier", 1, nn::kMaxStemMultiplier);
  n.batch_edges = c.get_bool("batch_edges");
  n.layout = nn::parse_layout(c.get_string("memory_format"), c.full_key("memory_format"));
  if (n.layers < 1) throw ConfigError(c.full_key("layers") + " must be at least 1");
  if (n.channels < 2 || n.channels % 2)
    throw ConfigError(c.full_key("channels") + " must be an even number ≥ 2 (FactorizedReduce halves it)");
  if (n.nodes < 1) throw ConfigError(c.full_key("nodes") + " must be at least 1");
  if (n.stem_multiplier < 1) throw ConfigError(c.full_key("stem_multiplier") + " must be at least 1");
  return n;
}

void positive(const Config& c, const std::string& key, double v) {
  if (!(v > 0)) throw ConfigError(c.full_key(key) + " must be positive, got " + std::to_string(v));
}
void non_negative(const Config& c, const std::string& key, double v) {
  if (!(v >= 0)) throw ConfigError(c.full_key(key) + " must be ≥ 0, got " + std::to_string(v));
}

// The supernet and the training loop's settings, which the search and the one-hot trainer
// share (only the key of the evaluation cap differs), read and checked.
template <class Settings>
void parse_net_and_loop(Settings& s, const Config& c, const std::string& max_eval_batches_key) {
  s.net = parse_net(c);
  s.epochs = c.get_int("epochs");
  s.batch_size = c.get_int("batch_size");
  s.batches_per_epoch = c.get_int("max_steps_per_epoch");
  s.max_eval_batches = c.get_int(max_eval_batches_key);
  s.workers = c.get_int("workers");
  s.augment = c.get_bool("augment");
  s.cutout = c.get_int("cutout");
  if (s.epochs < 1) throw ConfigError(c.full_key("epochs") + " must be at least 1");
  if (s.batch_size < 1) throw ConfigError(c.full_key("batch_size") + " must be at least 1");
  non_negative(c, "max_steps_per_epoch", static_cast<double>(s.batches_per_epoch));
  non_negative(c, max_eval_batches_key, static_cast<double>(s.max_eval_batches));
  non_negative(c, "cutout", static_cast<double>(s.cutout));
}

}  // namespace

nn::SearchNetworkOptions NetSettings::for_data(const DatasetInfo& info) const {
  nn::SearchNetworkOptions o;
  o.in_channels = info.input_shape.at(0);
  o.num_outputs = info.num_outputs;
  o.channels = channels;
  o.layers = layers;
  o.nodes = nodes;
  o.stem_multiplier = stem_multiplier;
  o.batch_edges = batch_edges;
  o.layout = layout;
  return o;
}

OptionList search_options() {
  OptionList o;
  net_options(o);
  o.push_back({"epochs", OptionType::Int, 50, "search epochs"});
  o.push_back({"batch_size", OptionType::Int, 64, "batch size of both the train and the validation half"});
  o.push_back({"max_steps_per_epoch", OptionType::Int, 0, "cap on steps per epoch (0 = a full pass)"});
  o.push_back({"max_eval_batches", OptionType::Int, 0,
               "validation batches for the end-of-epoch accuracy at lambda~=0 (0 = all)"});
  o.push_back({"workers", OptionType::Int, 1, "loader threads"});
  o.push_back({"micro_batches", OptionType::Int, 1,
               "split each batch into this many parts computed one after another, gradients averaged (per rank when "
               "the run has several); the same steps as that many ranks, in less memory"});
  o.push_back({"cuda_graph", OptionType::Bool, false,
               "capture the whole search step (both passes, the Hessian-vector probes, clipping, both optimiser "
               "updates) in a CUDA graph once and replay it every step, with each step's batch, lambda, temperature "
               "and learning rate: one launch instead of tens of thousands; results equal to rounding. One process, "
               "micro_batches = 1. On the CPU the same step runs uncaptured"});
  o.push_back({"augment", OptionType::Bool, true, "dataset training augmentation on both halves (as the authors)"});
  o.push_back({"cutout", OptionType::Int, 0, "cutout side in pixels (0 = off)"});
  o.push_back({"log10_lambda_min", OptionType::Float, -8.0, "log10 of the smallest complexity multiplier"});
  o.push_back({"log10_lambda_max", OptionType::Float, -4.0, "log10 of the largest complexity multiplier"});
  o.push_back({"lambda_samples", OptionType::Int, 1, "lambdas per step (the authors: always 1; only 1 is supported)"});
  o.push_back({"sampling", OptionType::String, "gumbel-softmax", "op weights: gumbel-softmax | softmax"});
  o.push_back({"initial_temp", OptionType::Float, 1.0, "temperature at epoch 0"});
  o.push_back({"temp_delta", OptionType::Float, -0.016, "temperature change per epoch"});
  o.push_back({"order", OptionType::Int, 2, "architecture gradient: 2 = second order (unrolled), 1 = first order"});
  o.push_back({"w_lr", OptionType::Float, 0.025, "weight SGD learning rate (cosine schedule)"});
  o.push_back({"w_lr_min", OptionType::Float, 0.001, "end of the cosine schedule"});
  o.push_back({"w_momentum", OptionType::Float, 0.9, "weight SGD momentum"});
  o.push_back({"w_weight_decay", OptionType::Float, 3e-4, "weight SGD weight decay"});
  o.push_back({"w_grad_clip", OptionType::Float, 5.0, "gradient-norm clip on all weights"});
  o.push_back({"alpha_lr", OptionType::Float, 1e-3, "Adam learning rate of the hypernetworks"});
  o.push_back({"alpha_weight_decay", OptionType::Float, 1e-3, "Adam weight decay of the hypernetworks (pivots too)"});
  o.push_back({"pivot_lr_scale", OptionType::Float, 1.0,
               "Adam lr of the PW pivots = alpha_lr * this (1 = the authors; lower it with a large alpha_lr)"});
  o.push_back({"alpha_beta1", OptionType::Float, 0.5, "Adam beta1"});
  o.push_back({"alpha_beta2", OptionType::Float, 0.999, "Adam beta2"});
  return o;
}

SearchSettings parse_search_settings(const Config& c) {
  SearchSettings s;
  parse_net_and_loop(s, c, "max_eval_batches");
  s.log10_lambda_min = c.get_float("log10_lambda_min");
  s.log10_lambda_max = c.get_float("log10_lambda_max");
  LambdaRange(s.log10_lambda_min, s.log10_lambda_max, c.path().empty() ? "" : c.path() + ".");
  if (c.get_int("lambda_samples") != 1)
    throw ConfigError(c.full_key("lambda_samples") + " = " + std::to_string(c.get_int("lambda_samples")) +
                      ": only 1 is supported (the authors' code silently reuses the first λ otherwise)");
  const std::string sampling = c.get_string("sampling");
  if (sampling == "gumbel-softmax")
    s.sampling = Sampling::GumbelSoftmax;
  else if (sampling == "softmax")
    s.sampling = Sampling::Softmax;
  else
    throw ConfigError(c.full_key("sampling") + " = '" + sampling + "'; valid: gumbel-softmax, softmax");
  s.initial_temp = c.get_float("initial_temp");
  s.temp_delta = c.get_float("temp_delta");
  s.order = c.get_int("order");
  s.micro_batches = c.get_int_in("micro_batches", 1, 1024);
  s.cuda_graph = c.get_bool("cuda_graph");
  if (s.order != 1 && s.order != 2)
    throw ConfigError(c.full_key("order") + " must be 1 or 2, got " + std::to_string(s.order));
  s.w_lr = c.get_float("w_lr");
  s.w_lr_min = c.get_float("w_lr_min");
  s.w_momentum = c.get_float("w_momentum");
  s.w_weight_decay = c.get_float("w_weight_decay");
  s.w_grad_clip = c.get_float("w_grad_clip");
  s.alpha_lr = c.get_float("alpha_lr");
  s.alpha_weight_decay = c.get_float("alpha_weight_decay");
  s.pivot_lr_scale = c.get_float("pivot_lr_scale");
  non_negative(c, "pivot_lr_scale", s.pivot_lr_scale);
  s.alpha_beta1 = c.get_float("alpha_beta1");
  s.alpha_beta2 = c.get_float("alpha_beta2");
  positive(c, "w_lr", s.w_lr);
  non_negative(c, "w_lr_min", s.w_lr_min);
  positive(c, "alpha_lr", s.alpha_lr);
  positive(c, "w_grad_clip", s.w_grad_clip);
  positive(c, "initial_temp", s.initial_temp);
  const double last_t = s.initial_temp + s.temp_delta * static_cast<double>(s.epochs - 1);
  if (!(last_t > 0))
    throw ConfigError(c.full_key("temp_delta") + " = " + std::to_string(s.temp_delta) + " makes the temperature " +
                      std::to_string(last_t) +
                      " at the last epoch; it must stay positive (lower epochs or |temp_delta|)");
  return s;
}

OptionList derive_options() {
  return {{"lambda", OptionType::Float, Json(), "normalised complexity lambda~ in [0, 1] (0 = log10_lambda_min)"},
          {"rule", OptionType::String, "simple", "simple (argmax per edge, none included) | darts (top-2 per node)"}};
}

OptionList one_hot_options() {
  OptionList o;
  net_options(o);
  o.push_back({"epochs", OptionType::Int, 100, "training epochs"});
  o.push_back({"batch_size", OptionType::Int, 96, "batch size"});
  o.push_back({"max_steps_per_epoch", OptionType::Int, 0, "cap on training steps per epoch (0 = a full pass)"});
  o.push_back({"max_test_batches", OptionType::Int, 0, "test batches per evaluation (0 = the whole test set)"});
  o.push_back({"workers", OptionType::Int, 1, "loader threads"});
  o.push_back({"augment", OptionType::Bool, true, "dataset training augmentation"});
  o.push_back({"cutout", OptionType::Int, 16, "cutout side in pixels (0 = off; the random baseline used 0)"});
  o.push_back({"lr", OptionType::Float, 0.025, "SGD learning rate (cosine schedule)"});
  o.push_back({"lr_min", OptionType::Float, 0.0, "end of the cosine schedule"});
  o.push_back({"momentum", OptionType::Float, 0.9, "SGD momentum"});
  o.push_back({"weight_decay", OptionType::Float, 3e-4, "SGD weight decay"});
  o.push_back({"grad_clip", OptionType::Float, 5.0, "gradient-norm clip"});
  o.push_back({"drop_path_initial", OptionType::Float, 0.0,
               "drop-path probability in the first epoch (after every op but the identity; authors: 0)"});
  o.push_back({"drop_path_delta", OptionType::Float, 0.0,
               "added to the drop-path probability each epoch (authors' mini configs: 0.002 for 100 epochs)"});
  o.push_back({"auxiliary", OptionType::Bool, false,
               "auxiliary classifier after cell floor(2L/3) during training (the authors' 20-cell CIFAR runs)"});
  o.push_back({"aux_weight", OptionType::Float, 0.4, "weight of the auxiliary loss"});
  o.push_back({"cuda_graph", OptionType::Bool, false,
               "capture the training step (forward, backward, clipping, SGD) in a CUDA graph and replay it; captured "
               "again when an epoch changes the drop-path probability. Results equal to rounding; on the CPU the same "
               "step runs uncaptured"});
  return o;
}

OneHotSettings parse_one_hot_settings(const Config& c) {
  OneHotSettings s;
  parse_net_and_loop(s, c, "max_test_batches");
  s.lr = c.get_float("lr");
  s.lr_min = c.get_float("lr_min");
  s.momentum = c.get_float("momentum");
  s.weight_decay = c.get_float("weight_decay");
  s.grad_clip = c.get_float("grad_clip");
  positive(c, "lr", s.lr);
  positive(c, "grad_clip", s.grad_clip);
  s.auxiliary = c.get_bool("auxiliary");
  s.aux_weight = c.get_float("aux_weight");
  s.cuda_graph = c.get_bool("cuda_graph");
  non_negative(c, "aux_weight", s.aux_weight);
  s.drop_path_initial = c.get_float("drop_path_initial");
  s.drop_path_delta = c.get_float("drop_path_delta");
  for (const int64_t e : {int64_t{0}, s.epochs - 1})
    if (const double p = s.drop_path_at(e); !(p >= 0.0 && p < 1.0))
      throw ConfigError(c.full_key("drop_path_initial") + " + " + c.full_key("drop_path_delta") +
                        " x epoch = " + std::to_string(p) + " at epoch " + std::to_string(e + 1) + " of " +
                        std::to_string(s.epochs) + "; a drop-path probability must be in [0, 1)");
  return s;
}

OptionList random_options() {
  return {{"count", OptionType::Int, 20,
           "number of genotypes; genotype k replaces each edge by a parameter-free op with probability k/(count-1)"},
          {"seed", OptionType::Int, 42, "generator seed (the authors used numpy seed 42)"},
          {"nodes", OptionType::Int, 4, "intermediate nodes per cell"}};
}

void check_dataset(const DatasetInfo& info, const NetSettings& net, const std::string& component) {
  if (info.task != Task::Classification || info.input_shape.size() != 3)
    throw ConfigError(component + ": dataset '" + info.name +
                      "' is not an image classification dataset "
                      "(needs C×H×W inputs and class labels)");
  int64_t reductions = 0;
  for (const auto& c : macro_cells(net.layers, net.channels)) reductions += c.reduction;
  const int64_t m = int64_t{1} << reductions;
  if (info.input_shape[1] % m || info.input_shape[2] % m)
    throw ConfigError(component + ": dataset '" + info.name + "' has " + std::to_string(info.input_shape[1]) + "×" +
                      std::to_string(info.input_shape[2]) + " inputs, but " + std::to_string(reductions) +
                      " reduction cells need height and width divisible by " + std::to_string(m) +
                      " (FactorizedReduce; pad the images or change layers)");
}

}  // namespace nas::darts_cc
