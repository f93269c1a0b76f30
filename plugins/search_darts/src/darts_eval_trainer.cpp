#include "darts_eval_trainer.hpp"

#include <optional>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/output-archive.h>
#include <torch/utils.h>

#include <spdlog/spdlog.h>

#include "common.hpp"
#include "nashost/nn/training_loop.hpp"
#include "nashost/archive_io.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/nn/step_graph.hpp"
#include "nashost/dataset.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"
#include "nashost/model_card.hpp"
#include "nashost/nn/limits.hpp"

namespace nas::darts {

const OptionList& eval_options() {
  static const OptionList list{
      {"epochs", OptionType::Int, 600, "training epochs"},
      {"batch_size", OptionType::Int, 96, "batch size"},
      {"channels", OptionType::Int, 36, "initial channels C"},
      {"layers", OptionType::Int, 20, "cells (reductions at L/3 and 2L/3)"},
      {"stem_multiplier", OptionType::Int, 3, "stem width = stem_multiplier * channels"},
      {"operation_set", OptionType::String, "darts", "operation set that builds the genotype's ops"},
      {"lr", OptionType::Float, 0.025, "initial SGD learning rate (cosine-annealed)"},
      {"lr_min", OptionType::Float, 0.0, "final learning rate"},
      {"momentum", OptionType::Float, 0.9, "SGD momentum"},
      {"weight_decay", OptionType::Float, 3e-4, "SGD weight decay (coupled L2)"},
      {"grad_clip", OptionType::Float, 5.0, "global L2 norm clip of gradients"},
      {"auxiliary", OptionType::Bool, true, "auxiliary head after cell floor(2L/3)"},
      {"memory_format", OptionType::String, "auto", nn::kLayoutOptionHelp},
      {"aux_weight", OptionType::Float, 0.4, "weight of the auxiliary loss"},
      {"drop_path", OptionType::Float, 0.2, "final drop-path probability (ramped linearly from 0)"},
      {"cutout", OptionType::Int, 16, "cutout square side (0 = off)"},
      {"augment", OptionType::Bool, true, "the dataset's training augmentation"},
      {"train_split", OptionType::String, "train_full", "split to train on"},
      {"eval_split", OptionType::String, "",
       "split evaluated after every epoch ('' = none; never 'test' for selection)"},
      {"workers", OptionType::Int, 1, "batch-assembly threads"},
      {"cuda_graph", OptionType::Bool, false,
       "capture the training step (forward, backward, clipping, SGD) in a CUDA graph and replay it; captured again "
       "when an epoch changes the drop-path probability. Results equal to rounding; on the CPU the same step runs "
       "uncaptured"},
      {"max_steps_per_epoch", OptionType::Int, 0, "cap on steps per epoch (0 = whole split)"},
      {"max_test_batches", OptionType::Int, 0, "cap on test batches (0 = whole split)"},
      {"max_eval_batches", OptionType::Int, 0, "cap on eval_split batches per evaluation (0 = whole split)"},
      {"label", OptionType::String, "darts-eval",
       "sub-folder of run_dir/train/ for the model and logs when the genotype has no meta.label (nas.train sets it)"},
  };
  return list;
}

DartsEvalTrainer::DartsEvalTrainer(const Config& o, HostContext& ctx)
    : options_(o), ctx_(ctx), log_(ctx.logger("darts-eval")) {}

nn::DartsEvalNetwork DartsEvalTrainer::build(const Genotype& g, const DatasetInfo& info) const {
  // Sizes within nashost/nn/limits.hpp, checked before the network is allocated.
  const int64_t layers = options_.get_int_in("layers", 1, nn::kMaxLayers);
  check_input_size(info, layers, "darts-eval");
  nn::EvalNetworkOptions eo;
  eo.in_channels = info.input_shape[0];
  eo.input_height = info.input_shape[1];
  eo.input_width = info.input_shape[2];
  eo.num_outputs = info.num_outputs;
  eo.channels = options_.get_int_in("channels", 1, nn::kMaxChannels);
  eo.layers = layers;
  eo.stem_multiplier = options_.get_int_in("stem_multiplier", 1, nn::kMaxStemMultiplier);
  eo.auxiliary = options_.get_bool("auxiliary");
  eo.layout = nn::parse_layout(options_.get_string("memory_format"), options_.full_key("memory_format"));
  return nn::DartsEvalNetwork(eo, g, ctx_.operation_set(options_.get_string("operation_set")));
}

int64_t DartsEvalTrainer::count_params(const Genotype& g, Dataset& data) {
  return build(g, data.info())->param_count_without_aux();
}

namespace {
Metrics run_eval(nn::DartsEvalNetwork& net, BatchLoader& loader, Task task, const std::string& prefix, int64_t cap) {
  at::NoGradGuard ng;
  net->eval();
  loader.start_epoch(0);
  EpochMeter meter(task);
  int64_t n = 0;
  while (auto b = loader.next()) {
    const at::Tensor out = net->forward(b->input).first;
    meter.add(out, b->target, checked_loss(task_loss(task, out, b->target), prefix + "evaluation"));
    if (cap > 0 && ++n >= cap) break;
  }
  net->train();
  Metrics m;
  meter.report(prefix, m);
  return m;
}
}  // namespace

/// train/<label>/model.pt (weights + genotype), genotype.json, and model.json with everything
/// `nashost export` needs to rebuild the network (model.pt has only weights).
std::filesystem::path DartsEvalTrainer::save_model(nn::DartsEvalNetwork& net, const Genotype& g,
                                                   const DatasetInfo& info, const std::string& label,
                                                   int64_t params) const {
  const auto dir = ctx_.run_dir() / "train" / label;
  std::filesystem::create_directories(dir);
  const auto model_file = dir / "model.pt";
  atomic_write_file(model_file, [&](const std::filesystem::path& tmp) {
    torch::serialize::OutputArchive a;
    net->save(a);
    a.write("genotype", c10::IValue(to_json(g).dump()));
    save_archive(a, tmp);
  });
  save_genotype(g, dir / "genotype.json");
  const auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  write_model_card(model_file, kModelDartsEval,
                   Json{{"task", task_name(info.task)},
                        {"in_channels", info.input_shape[0]},
                        {"input_height", info.input_shape[1]},
                        {"input_width", info.input_shape[2]},
                        {"num_outputs", info.num_outputs},
                        {"channels", options_.get_int("channels")},
                        {"layers", options_.get_int("layers")},
                        {"stem_multiplier", options_.get_int("stem_multiplier")},
                        {"auxiliary", options_.get_bool("auxiliary")},
                        {"operation_set", options_.get_string("operation_set")},
                        {"ops", ops->ops()}},
                   g, params);
  return model_file;
}

TrainResult DartsEvalTrainer::train(const Genotype& g, Dataset& data) {
  const auto& info = data.info();
  const Task task = info.task;
  const c10::Device device = ctx_.device();
  torch::manual_seed(ctx_.seed());
  auto net = build(g, info);
  net->to(device);
  TrainResult result;
  result.params = net->param_count_without_aux();
  // The host names each training (genotype.meta.label): a trainer that trains many genotypes
  // (a multi-trial search's children) must not write them all to one folder.
  const std::string label = g.meta.is_object() && g.meta.contains("label") && g.meta["label"].is_string()
                                ? g.meta["label"].get<std::string>()
                                : options_.get_string("label");
  log_->info("darts-eval[{}]: {} parameters (aux head excluded)", label, result.params);

  const int64_t epochs = options_.get_int("epochs");
  auto params = net->parameters();
  torch::optim::SGD opt(params, torch::optim::SGDOptions(options_.get_float("lr"))
                                    .momentum(options_.get_float("momentum"))
                                    .weight_decay(options_.get_float("weight_decay")));
  const LoaderOptions lo = LoaderOptions::for_training(options_, ctx_.seed(), device);
  auto train_loader = data.loader(parse_split(options_.get_string("train_split")), lo);
  const LoaderOptions eo = lo.for_evaluation();
  std::unique_ptr<BatchLoader> eval_loader;
  if (const std::string s = options_.get_string("eval_split"); !s.empty())
    eval_loader = data.loader(parse_split(s), eo);
  // Read once: the loop below runs them every epoch or step.
  const double aux_weight = options_.get_float("aux_weight"), grad_clip = options_.get_float("grad_clip");
  const double lr_max = options_.get_float("lr"), lr_min = options_.get_float("lr_min");
  const double drop_path = options_.get_float("drop_path");
  const int64_t cap = options_.get_int("max_steps_per_epoch");

  EpochMeter meter(task);
  Metrics last_eval;  // the eval split's metrics after the last epoch, returned with the test's
  double lr = 0;
  // One step, for both ways of running it: `lr` a 0-dim tensor in a graph-safe step (an input
  // of the captured step), undefined otherwise; `check` reads the loss before the update in
  // the ordinary step and does nothing in a graph-safe one (its loss is checked after it).
  auto train_step = [&](const Batch& b, const at::Tensor& lr_t, const std::function<void(const at::Tensor&)>& check) {
    opt.zero_grad();
    auto [out, aux] = net->forward(b.input);
    at::Tensor loss = task_loss(task, out, b.target);
    if (aux.defined()) loss = loss + aux_weight * task_loss(task, aux, b.target);
    check(loss);
    loss.backward();
    nn::clip_grad_norm(params, grad_clip);
    if (lr_t.defined())
      nn::sgd_step(opt, lr_t);
    else
      nn::sgd_step(opt);
    return std::vector<at::Tensor>{loss.detach(), out.detach()};
  };
  std::unique_ptr<nn::StepGraph> graph;
  if (options_.get_bool("cuda_graph")) graph = std::make_unique<nn::StepGraph>("darts-eval training step");
  double graph_drop_path = -1;  // the drop-path probability the graph was captured with
  nn::TrainingLoop loop;
  loop.label = label;
  loop.epochs = epochs;
  loop.step_metric = label + "/step_train_loss";  // TensorBoard's live curve within an epoch
  loop.begin_epoch = [&](int64_t e) {
    lr = cosine_lr(lr_max, lr_min, e, epochs);
    for (auto& group : opt.param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
    // p_e = drop_path · e / epochs: 0 in the first epoch (docs/methods.md, DARTS).
    net->set_drop_path(drop_path * static_cast<double>(e) / static_cast<double>(epochs));
    if (graph && net->drop_path_prob() != graph_drop_path) {  // a number the captured step holds
      graph->reset();
      graph_drop_path = net->drop_path_prob();
    }
    net->train();
    train_loader->start_epoch(e);
    meter = EpochMeter(task);
    const int64_t steps = train_loader->batches_per_epoch();
    return cap > 0 ? std::min(steps, cap) : steps;
  };
  loop.step = [&](int64_t e, int64_t s, int64_t) -> std::optional<double> {
    auto b = train_loader->next();
    if (!b) return std::nullopt;
    const std::string where = label + " training (epoch " + std::to_string(e) + ", step " + std::to_string(s) + ")";
    double lv = 0;
    std::vector<at::Tensor> out;
    if (graph) {
      const auto lr_opts = at::TensorOptions().device(device).dtype(params.front().scalar_type());
      out = graph->run({b->input.to(device), b->target.to(device), at::scalar_tensor(lr, lr_opts)},
                       [&](const std::vector<at::Tensor>& in) {
                         return train_step(Batch{in[0], in[1]}, in[2], [](const at::Tensor&) {});
                       });
      lv = checked_loss(out[0], where);  // after the step: a captured step reads nothing before its end
    } else {
      out = train_step(*b, at::Tensor(), [&](const at::Tensor& loss) { lv = checked_loss(loss, where); });
    }
    meter.add(out[1], b->target, lv);
    return lv;
  };
  loop.end_epoch = [&](int64_t e, int64_t, double) {
    Metrics m;
    meter.report("train_", m);
    if (eval_loader) {
      const Metrics v = run_eval(net, *eval_loader, task,
                                 std::string(split_name(parse_split(options_.get_string("eval_split")))) + "_",
                                 options_.get_int("max_eval_batches"));
      m.insert(v.begin(), v.end());
      last_eval = v;
    }
    for (const auto& [k, v] : m) ctx_.metrics().scalar(label + "/" + k, v, e);
    ctx_.metrics().scalar(label + "/lr", lr, e);
    log_->info("darts-eval[{}] epoch {}/{}: train_loss {:.4f}", label, e + 1, epochs, m["train_loss"]);
  };
  nn::run_training_loop(ctx_, loop);

  auto test_loader = data.loader(Split::Test, eo);
  result.metrics = run_eval(net, *test_loader, task, "test_", options_.get_int("max_test_batches"));
  result.metrics.insert(last_eval.begin(), last_eval.end());
  result.model_file = save_model(net, g, info, label, result.params);
  std::string summary;
  for (const auto& [k, v] : result.metrics) summary += " " + k + "=" + std::to_string(v);
  log_->info("darts-eval[{}]: params {}{}", label, result.params, summary);
  return result;
}

}  // namespace nas::darts
