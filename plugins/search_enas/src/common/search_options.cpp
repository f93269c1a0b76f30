#include "common/search_options.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "nashost/error.hpp"
#include "rnn/rnn_options.hpp"

namespace nas::enas {

namespace {
// Options whose default depends on `network` (and for cnn on `cnn_space`): declared with
// the default "auto" and resolved by resolve_network_defaults(). {key, rnn default
// (carpedm20), cnn micro default (authors' micro search script cifar10_micro_search.sh),
// cnn macro default (docs/methods.md, ENAS: the authors' macro search)}. Keys only the
// cnn uses repeat the micro value in the rnn column.
struct NetworkDefault {
  const char* key;
  Json rnn, cnn, macro;
};
const std::vector<NetworkDefault>& network_defaults() {
  static const std::vector<NetworkDefault> d = {
      {"operation_set", "enas-rnn", "enas-cnn", "enas-cnn"},
      {"num_blocks", 12, 5, 5},
      {"shared_steps", 400, 0, 0},
      {"controller_steps", 2000, 30, 50},
      {"controller_hid", 100, 64, 64},
      {"controller_lr", 3.5e-4, 3.5e-3, 1e-3},
      {"softmax_temperature", 5.0, 0.0, 0.0},
      {"tanh_c", 2.5, 1.10, 1.5},
      {"ema_baseline_decay", 0.95, 0.99, 0.99},
      {"derive_samples", 100, 10, 10},
      {"batch_size", 64, 160, 128},
      {"eval_batch_size", 64, 100, 100},
      {"shared_lr", 20.0, 0.05, 0.05},
      {"shared_l2", 1e-7, 1e-4, 2.5e-4},
      {"shared_grad_clip", 0.25, 5.0, 5.0},
      {"channels", 20, 20, 36},
      {"num_layers", 6, 6, 12},
      {"controller_num_aggregate", 10, 10, 20},
  };
  return d;
}
void set_auto(OptionList& o) {
  for (const auto& nd : network_defaults())
    for (auto& spec : o)
      if (spec.key == nd.key) {
        spec.default_value = "auto";
        spec.help +=
            " [auto: rnn " + nd.rnn.dump() + ", cnn micro " + nd.cnn.dump() + ", cnn macro " + nd.macro.dump() + "]";
      }
}
}  // namespace

Config resolve_network_defaults(const Config& options) {
  Json j = options.json();
  const bool cnn = j.value("network", std::string("rnn")) == "cnn";
  const bool macro = cnn && j.value("cnn_space", std::string("micro")) == "macro";
  for (const auto& nd : network_defaults()) {
    auto it = j.find(nd.key);
    if (it == j.end() || (it->is_string() && it->get<std::string>() == "auto"))
      j[nd.key] = macro ? nd.macro : cnn ? nd.cnn : nd.rnn;
  }
  return Config(j, options.path());
}

OptionList search_options() {
  OptionList o = {
      {"network", OptionType::String, "rnn",
       "rnn (recurrent cell, PTB-style LM) or cnn (image classification; space chosen by cnn_space)"},
      {"train_type", OptionType::String, "orig", "orig, flexible, hardcoded or random (cnn: orig or random)"},
      {"architecture", OptionType::String, "tree", "hardcoded: fixed topology, tree or chain"},
      {"num_blocks", OptionType::Int, 12, "nodes per cell (flexible: the maximum)"},
      {"epochs", OptionType::Int, 150, "search epochs"},
      {"shared_steps", OptionType::Int, 400,
       "shared-weight steps per epoch (persistent cursor over train; cnn: 0 = one pass over train)"},
      {"shared_num_sample", OptionType::Int, 1, "DAGs sampled per shared step (losses averaged)"},
      {"controller_steps", OptionType::Int, 2000, "controller steps (cnn: updates) per epoch"},
      {"controller_hid", OptionType::Int, 100, "controller LSTM size"},
      {"controller_lr", OptionType::Float, 3.5e-4, "controller Adam learning rate"},
      {"controller_grad_clip", OptionType::Float, 0.0, "controller gradient-norm clip (0 = off)"},
      {"softmax_temperature", OptionType::Float, 5.0, "controller logits are divided by this (0 = off)"},
      {"tanh_c", OptionType::Float, 2.5, "controller logits become tanh_c * tanh(logits) (0 = off)"},
      {"reward_c", OptionType::Float, 80.0, "rnn: reward = reward_c / valid ppl"},
      {"ppl_square", OptionType::Bool, false, "rnn: reward = reward_c / ppl^2"},
      {"entropy_mode", OptionType::String, "reward", "reward (entropy added per decision) or regularizer"},
      {"entropy_coeff", OptionType::Float, 1e-4, "entropy weight"},
      {"ema_baseline_decay", OptionType::Float, 0.95, "moving-average baseline decay"},
      {"derive_samples", OptionType::Int, 100, "DAGs sampled by the per-epoch derive"},
      {"eval_full_valid", OptionType::Bool, true, "evaluate the derived DAG on the whole validation set each epoch"},
      {"log_step", OptionType::Int, 50, "per-step scalars every this many steps"},
      // cnn only (authors' micro search script values; macro: docs/methods.md, ENAS)
      {"cnn_space", OptionType::String, "micro",
       "cnn: search space, micro (normal + reduction cell) or macro (whole network: per layer an op and skips)"},
      {"channels", OptionType::Int, 20,
       "cnn: micro: channels of the first cells (doubled at each reduction); macro: width"},
      {"num_layers", OptionType::Int, 6, "cnn: micro: normal cells, two reduction cells come on top; macro: layers"},
      {"skip_target", OptionType::Float, 0.4, "cnn macro: skip probability the KL skip penalty pulls towards"},
      {"skip_weight", OptionType::Float, 0.8, "cnn macro: weight of the KL skip penalty in the controller loss"},
      {"keep_prob", OptionType::Float, 0.9, "cnn: dropout keep probability before the classifier"},
      {"auxiliary", OptionType::Bool, false,
       "cnn macro: auxiliary head after the last reduction in the shared network, trained with the shared weights "
       "(docs/methods.md, ENAS; needs >= 6x6 maps there)"},
      {"aux_weight", OptionType::Float, 0.4,
       "cnn macro: weight of the auxiliary head's loss in the shared-weight steps"},
      {"op_tanh_reduce", OptionType::Float, 2.5, "cnn: op logits use tanh_c / op_tanh_reduce"},
      {"controller_num_aggregate", OptionType::Int, 10, "cnn: sampled arcs per controller update (gradients averaged)"},
      {"shared_momentum", OptionType::Float, 0.9, "cnn: SGD (Nesterov) momentum of the shared weights"},
      {"lr_min", OptionType::Float, 0.0005, "cnn: cosine schedule minimum lr (maximum = shared_lr)"},
      {"lr_t0", OptionType::Int, 10, "cnn: first cosine restart period, epochs"},
      {"lr_t_mul", OptionType::Int, 2, "cnn: restart period multiplier"},
      {"augment", OptionType::Bool, true, "cnn: the dataset's training augmentation (crop + flip)"},
      {"max_eval_batches",
       OptionType::Int,
       0,
       "cnn: validation batches of the per-epoch evaluation (0 = all)",
       {"eval_batches"}},
      {"workers", OptionType::Int, 1, "cnn: loader threads"},
      {"micro_batches", OptionType::Int, 1,
       "shared-weight steps: split each batch into this many parts computed one after another, gradients averaged "
       "(per rank when the run has several); the same steps as that many ranks, in less memory"},
  };
  append_options(o, rnn_model_options());
  append_options(o, rnn_training_options(20.0, "sgd"));
  set_auto(o);
  return o;
}

namespace {
// Which options each search space reads (the others would be ignored there, so its
// component does not declare them).
const std::vector<std::string>& loop_keys() {
  static const std::vector<std::string> k = {
      "train_type",     "epochs",          "shared_steps",         "shared_num_sample",   "controller_steps",
      "controller_hid", "controller_lr",   "controller_grad_clip", "softmax_temperature", "tanh_c",
      "entropy_mode",   "entropy_coeff",   "ema_baseline_decay",   "derive_samples",      "eval_full_valid",
      "log_step",       "micro_batches",   "batch_size",           "eval_batch_size",     "shared_lr",
      "shared_l2",      "shared_grad_clip"};
  return k;
}
std::vector<std::string> space_keys(SearchSpace space) {
  std::vector<std::string> k = loop_keys();
  auto add = [&](std::initializer_list<const char*> more) { k.insert(k.end(), more.begin(), more.end()); };
  if (space == SearchSpace::Rnn) {
    add({"architecture", "num_blocks", "reward_c", "ppl_square", "shared_optim", "shared_decay", "shared_decay_after"});
    for (const auto& spec : rnn_model_options()) k.push_back(spec.key);
    return k;
  }
  add({"channels", "num_layers", "keep_prob", "augment", "max_eval_batches", "workers", "controller_num_aggregate",
       "shared_momentum", "lr_min", "lr_t0", "lr_t_mul"});
  if (space == SearchSpace::CnnMicro)
    add({"num_blocks", "operation_set", "op_tanh_reduce"});
  else
    add({"skip_target", "skip_weight", "auxiliary", "aux_weight"});
  return k;
}
// The help of the union list scopes options by prefix ("cnn: ", "cnn macro: ", "rnn: ");
// within one space the prefix says nothing, and a few options mean another thing per space.
std::string space_help(const OptionSpec& spec, SearchSpace space) {
  static const std::map<std::string, std::array<const char*, 3>> own = {
      {"train_type", {"orig, flexible, hardcoded or random", "orig or random", "orig or random"}},
      {"num_blocks", {"nodes per cell (flexible: the maximum)", "nodes per cell", ""}},
      {"shared_steps",
       {"shared-weight steps per epoch (persistent cursor over train)",
        "shared-weight steps per epoch (0 = one pass over train)",
        "shared-weight steps per epoch (0 = one pass over train)"}},
      {"controller_steps",
       {"controller steps per epoch", "controller updates per epoch", "controller updates per epoch"}},
      {"channels", {"", "channels of the first cells (doubled at each reduction)", "width of every layer"}},
      {"num_layers", {"", "normal cells; two reduction cells come on top", "layers"}},
  };
  auto it = own.find(spec.key);
  if (it != own.end()) return it->second[static_cast<int>(space)];
  std::string help = spec.help;
  for (const char* prefix : {"cnn macro: ", "cnn: ", "rnn: "})
    if (help.rfind(prefix, 0) == 0) return help.substr(std::string(prefix).size());
  return help;
}
Json space_default(const NetworkDefault& nd, SearchSpace space) {
  return space == SearchSpace::Rnn ? nd.rnn : space == SearchSpace::CnnMicro ? nd.cnn : nd.macro;
}
}  // namespace

const char* strategy_name(SearchSpace space) {
  switch (space) {
    case SearchSpace::Rnn:
      return "enas-rnn";
    case SearchSpace::CnnMicro:
      return "enas-cnn";
    case SearchSpace::CnnMacro:
      return "enas-cnn-macro";
  }
  return "?";
}

OptionList search_options(SearchSpace space) {
  const OptionList all = search_options();
  OptionList out;
  for (const std::string& key : space_keys(space)) {
    auto spec = std::find_if(all.begin(), all.end(), [&](const OptionSpec& s) { return s.key == key; });
    if (spec == all.end()) throw std::logic_error("enas: no option '" + key + "' in the search options");
    OptionSpec own = *spec;
    own.help = space_help(*spec, space);
    for (const auto& nd : network_defaults())
      if (own.key == nd.key) own.default_value = space_default(nd, space);
    out.push_back(std::move(own));
  }
  return out;
}

Config as_search_options(const Config& space_options, SearchSpace space) {
  Json j = Json::object();
  for (const auto& spec : search_options())
    if (!spec.default_value.is_null()) j[spec.key] = spec.default_value;
  for (const auto& [key, value] : space_options.json().items()) j[key] = value;
  j["network"] = space == SearchSpace::Rnn ? "rnn" : "cnn";
  j["cnn_space"] = space == SearchSpace::CnnMacro ? "macro" : "micro";
  return resolve_network_defaults(Config(j, space_options.path()));
}

OptionList derive_options() {
  return {
      {"samples", OptionType::Int, 100, "DAGs to sample; the best on the first validation minibatch is kept"},
      {"full_valid", OptionType::Bool, false, "score each sample on the whole validation set instead"},
  };
}

SearchLoop SearchLoop::from(const Config& o) {
  SearchLoop l;
  l.epochs = o.get_int("epochs");
  l.shared_steps = o.get_int("shared_steps");
  l.controller_steps = o.get_int("controller_steps");
  l.num_sample = o.get_int("shared_num_sample");
  l.derive_samples = o.get_int("derive_samples");
  l.log_step = std::max<int64_t>(1, o.get_int("log_step"));
  l.entropy_coeff = o.get_float("entropy_coeff");
  l.controller_clip = o.get_float("controller_grad_clip");
  l.eval_full_valid = o.get_bool("eval_full_valid");
  const std::string entropy_mode = o.get_string("entropy_mode");
  if (entropy_mode != "reward" && entropy_mode != "regularizer")
    throw ConfigError(o.full_key("entropy_mode") + ": unknown '" + entropy_mode + "'; valid: reward, regularizer");
  l.entropy_in_reward = entropy_mode == "reward";
  if (l.epochs < 0 || l.shared_steps < 0 || l.controller_steps < 0 || l.num_sample < 1 || l.derive_samples < 1)
    throw ConfigError(
        "enas: epochs, shared_steps, controller_steps must be >= 0 and shared_num_sample, "
        "derive_samples >= 1");
  return l;
}

}  // namespace nas::enas
