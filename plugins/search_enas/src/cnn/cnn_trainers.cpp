#include "cnn/cnn_trainers.hpp"

#include <cmath>
#include <optional>

#include <ATen/ATen.h>
#include <torch/optim/sgd.h>

#include "cnn/micro/micro_arc.hpp"
#include "cnn/cnn_training.hpp"
#include "cnn/macro/macro_arc.hpp"
#include "cnn/macro/macro_cnn.hpp"
#include "nashost/nn/training_loop.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/dataset.hpp"
#include "nashost/error.hpp"
#include "nashost/model_card.hpp"
#include "nashost/nn/step_graph.hpp"
#include "nashost/operation_set.hpp"

namespace nas::enas {

OptionList cnn_scratch_options() {
  // Authors' final micro training (cifar10_micro_final.sh). Macro genotypes use the same
  // options except drop_path_keep (the macro space has no drop path).
  return {
      {"operation_set", OptionType::String, "enas-cnn", "operation set of the genotype"},
      {"epochs", OptionType::Int, 630, "training epochs"},
      {"max_steps_per_epoch",
       OptionType::Int,
       0,
       "steps per epoch (0 = one pass over train_split)",
       {"steps_per_epoch"}},
      {"channels", OptionType::Int, 36, "channels of the first cells (doubled at each reduction)"},
      {"num_layers", OptionType::Int, 15, "normal cells; two reduction cells come on top"},
      {"batch_size", OptionType::Int, 144, "training batch size"},
      {"eval_batch_size", OptionType::Int, 100, "evaluation batch size"},
      {"keep_prob", OptionType::Float, 0.8, "dropout keep probability before the classifier"},
      {"drop_path_keep", OptionType::Float, 0.6,
       "drop-path keep probability of the last cell at the end of training "
       "(scaled by depth and progress, as the authors do; 1 = off)"},
      {"lr", OptionType::Float, 0.05, "cosine schedule maximum lr"},
      {"lr_min", OptionType::Float, 0.0001, "cosine schedule minimum lr"},
      {"lr_t0", OptionType::Int, 10, "first cosine restart period, epochs"},
      {"lr_t_mul", OptionType::Int, 2, "restart period multiplier"},
      {"momentum", OptionType::Float, 0.9, "SGD Nesterov momentum"},
      {"l2", OptionType::Float, 2e-4, "weight decay"},
      {"grad_clip", OptionType::Float, 5.0, "gradient-norm clip (0 = off)"},
      {"augment", OptionType::Bool, true, "the dataset's training augmentation (crop + flip)"},
      {"auxiliary", OptionType::Bool, true,
       "auxiliary head after the last reduction (the authors' final micro "
       "training; macro: on the layer after the last factorized reduction)"},
      {"aux_weight", OptionType::Float, 0.4, "weight of the auxiliary loss"},
      {"cutout", OptionType::Int, 0, "cutout square side in pixels (0 = off; the 2.89% model uses CutOut)"},
      {"train_split", OptionType::String, "train_full", "split to train on"},
      {"eval_split", OptionType::String, "test", "split evaluated after training (and reported as test_*)"},
      {"workers", OptionType::Int, 1, "loader threads"},
      {"label", OptionType::String, "enas-cnn-scratch", "sub-folder of train/ for the model file"},
      {"log_step", OptionType::Int, 50, "per-step scalars every this many steps"},
      {"cuda_graph", OptionType::Bool, false,
       "capture the training step (forward with drop path, auxiliary head, backward, clipping, SGD) in a CUDA graph "
       "and replay it, with the step's drop-path probability and the epoch's rate as inputs; results equal to "
       "rounding, drop-path masks drawn by another kernel. On the CPU the same step runs uncaptured"},
  };
}

OptionList cnn_eval_options() {
  return {
      {"model_file", OptionType::String, nullptr, "shared-model file written by the enas strategy (network = cnn)"},
      {"operation_set", OptionType::String, "enas-cnn", "operation set the model was built with"},
      {"eval_batch_size", OptionType::Int, 100, "evaluation batch size"},
      {"max_eval_batches",
       OptionType::Int,
       0,
       "evaluate at most this many batches per split (0 = all)",
       {"max_batches"}},
  };
}

namespace {

void check_inputs(const std::filesystem::path& file, int64_t c, int64_t h, int64_t w, int64_t classes,
                  const DatasetInfo& info) {
  if (info.input_shape != std::vector<int64_t>{c, h, w} || info.num_outputs != classes)
    throw Error("enas-cnn-eval: '" + file.string() + "' was trained on other inputs/classes than dataset '" +
                info.name + "'");
}

bool is_macro(const Genotype& g) { return g.space == kMacroSpace; }

/// The weights an arc uses in a macro network of config `c`, its auxiliary head (of a
/// search run with one) excluded like every reported size.
int64_t macro_arc_params(const MacroCnnConfig& c, const MacroArc& arc) {
  MacroCnnImpl fixed(c, arc);
  return count_parameters(fixed) - fixed.aux_parameter_count();
}

/// A network built for one genotype, as the training loop sees it.
struct FixedNetwork {
  std::shared_ptr<torch::nn::Module> module;
  std::function<at::Tensor(const at::Tensor&, double)> train_forward;  ///< dropout on; drop-path probability
  /// train_forward with the drop-path probability as a 0-dim tensor (a captured step's input)
  std::function<at::Tensor(const at::Tensor&, const at::Tensor&)> train_forward_graph;
  std::function<at::Tensor()> aux_logits;  ///< undefined when there is none
  ImageForward eval_forward;
  std::function<void(const std::filesystem::path&)> save;
  int64_t params = 0;  ///< reported size: auxiliary head excluded
  std::string kind;    ///< model.json's network (nashost/model_card.hpp)
  Json config;         ///< the network's config, for model.json
};

FixedNetwork build_fixed(const Genotype& g, const Config& o, const DatasetInfo& info, const OperationSet& ops) {
  FixedNetwork f;
  if (is_macro(g)) {
    const MacroArc arc = genotype_macro(g, "enas-cnn-scratch");
    auto m = MacroCnn(MacroCnnConfig::for_data(info, o, arc.layers(), /*grow_channels=*/true), arc)
                 .ptr();  // shared_ptr: non-const in lambdas
    f.module = m;
    f.train_forward = [m](const at::Tensor& x, double) { return m->forward(x, true); };  // no drop path in this space
    f.train_forward_graph = [m](const at::Tensor& x, const at::Tensor&) { return m->forward(x, true); };
    f.aux_logits = [m] { return m->aux_logits(); };
    f.eval_forward = [m](const at::Tensor& x) { return m->forward(x, false); };
    f.save = [m](const std::filesystem::path& file) { save_macro_cnn(*m, file); };
    f.params = count_parameters(*m) - m->aux_parameter_count();
    f.kind = kModelEnasCnnMacro;
    f.config = m->config().to_json();
    return f;
  }
  const CnnArc arc = genotype_arc(g, ops.ops(), "enas-cnn-scratch");
  auto m = SharedCnn(SharedCnnConfig::for_data(info, o, arc.normal.nodes()), ops, arc).ptr();
  f.module = m;
  f.train_forward = [m](const at::Tensor& x, double p) { return m->forward(x, true, p); };
  f.train_forward_graph = [m](const at::Tensor& x, const at::Tensor& p) { return m->forward(x, true, DropProb(p)); };
  f.aux_logits = [m] { return m->aux_logits(); };
  f.eval_forward = [m](const at::Tensor& x) { return m->forward(x, false); };
  const std::vector<std::string> names = ops.ops();
  f.save = [m, names](const std::filesystem::path& file) { save_shared_cnn(*m, names, file); };
  f.params = count_parameters(*m) - m->aux_parameter_count();
  f.kind = kModelEnasCnnMicro;
  f.config = m->config().to_json();
  f.config["ops"] = names;
  return f;
}
}  // namespace

EnasCnnScratchTrainer::EnasCnnScratchTrainer(const Config& options, HostContext& ctx) : options_(options), ctx_(ctx) {
  parse_split(options_.get_string("train_split"));
  parse_split(options_.get_string("eval_split"));
  const double k = options_.get_float("drop_path_keep");
  if (k <= 0 || k > 1) throw ConfigError(options_.full_key("drop_path_keep") + " must be in (0, 1]");
}

int64_t EnasCnnScratchTrainer::count_params(const Genotype& genotype, Dataset& data) {
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  return build_fixed(genotype, options_, data.info(), *ops).params;
}

TrainResult EnasCnnScratchTrainer::train(const Genotype& genotype, Dataset& data) {
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  auto log = ctx_.logger("enas-cnn-scratch");
  const auto device = ctx_.device();
  at::manual_seed(ctx_.seed());
  FixedNetwork net = build_fixed(genotype, options_, data.info(), *ops);
  torch::nn::Module& model = *net.module;
  model.to(device);
  const double momentum = options_.get_float("momentum");
  torch::optim::SGD optimizer(model.parameters(), torch::optim::SGDOptions(options_.get_float("lr"))
                                                      .momentum(momentum)
                                                      .nesterov(momentum > 0)
                                                      .weight_decay(options_.get_float("l2")));
  const LoaderOptions lo = LoaderOptions::for_training(options_, ctx_.seed(), device);
  CyclingLoader train(data.loader(parse_split(options_.get_string("train_split")), lo));
  LoaderOptions eo = lo.for_evaluation();
  eo.batch_size = options_.get_int("eval_batch_size");
  auto eval = data.loader(parse_split(options_.get_string("eval_split")), eo);

  const int64_t epochs = options_.get_int("epochs");
  int64_t steps = options_.get_int("max_steps_per_epoch");
  if (steps <= 0) steps = train.batches_per_epoch();
  const int64_t total = std::max<int64_t>(1, epochs * steps),
                log_step = std::max<int64_t>(1, options_.get_int("log_step"));
  const double drop = 1.0 - options_.get_float("drop_path_keep"), clip = options_.get_float("grad_clip");
  const double aux_weight = options_.get_float("aux_weight");
  const std::string label = options_.get_string("label");
  double train_acc = 0, lr = 0, correct = 0, seen = 0;
  // One step, for both ways of running it: `lr_t` a 0-dim tensor in a graph-safe step (an input
  // of the captured step, as the drop-path probability inside `forward` is), undefined otherwise;
  // `check` reads the loss before the update in the ordinary step only. {loss, correct}.
  auto step_body = [&](const at::Tensor& x, const at::Tensor& y,
                       const std::function<at::Tensor(const at::Tensor&)>& forward, const at::Tensor& lr_t,
                       const std::function<void(const at::Tensor&)>& check) {
    optimizer.zero_grad();
    at::Tensor logits = forward(x);
    at::Tensor loss = classification_loss(logits, net.aux_logits(), y, aux_weight);
    check(loss);
    loss.backward();
    if (clip > 0) nn::clip_grad_norm(model.parameters(), clip);
    if (lr_t.defined())
      nn::sgd_step(optimizer, lr_t);
    else
      nn::sgd_step(optimizer);
    return std::vector<at::Tensor>{loss.detach(), logits.argmax(1).eq(y).sum()};
  };
  std::unique_ptr<nn::StepGraph> graph;
  if (options_.get_bool("cuda_graph")) graph = std::make_unique<nn::StepGraph>("enas-cnn-scratch training step");
  nn::TrainingLoop loop;
  loop.label = label;
  loop.epochs = epochs;
  loop.step_metric = label + "/train_loss";
  loop.step_metric_every = log_step;
  loop.begin_epoch = [&](int64_t e) {
    lr = cosine_restart_lr(e, options_.get_float("lr"), options_.get_float("lr_min"), options_.get_int("lr_t0"),
                           options_.get_int("lr_t_mul"));
    for (auto& g : optimizer.param_groups()) g.options().set_lr(lr);
    model.train();
    correct = seen = 0;
    return steps;
  };
  loop.step = [&](int64_t, int64_t, int64_t global) -> std::optional<double> {
    Batch b = train.next();
    // Authors: drop-path probability grows linearly with training progress.
    const double p = drop * static_cast<double>(global) / static_cast<double>(total);
    auto checked = [&](const at::Tensor& loss) {
      const double v = loss.item<double>();
      if (!std::isfinite(v))
        throw NumericError("enas-cnn-scratch: loss is " + std::to_string(v) + " at step " + std::to_string(global) +
                           "; lower lr");
      return v;
    };
    double value = 0;
    std::vector<at::Tensor> out;
    if (graph) {
      const auto real = at::TensorOptions().device(device).dtype(model.parameters().front().scalar_type());
      out =
          graph->run({b.input.to(device), b.target.to(device), at::scalar_tensor(lr, real), at::scalar_tensor(p, real)},
                     [&](const std::vector<at::Tensor>& in) {
                       return step_body(
                           in[0], in[1], [&](const at::Tensor& x) { return net.train_forward_graph(x, in[3]); }, in[2],
                           [](const at::Tensor&) {});
                     });
      value = checked(out[0]);  // after the step: a captured step reads nothing before its end
    } else {
      out = step_body(
          b.input, b.target, [&](const at::Tensor& x) { return net.train_forward(x, p); }, at::Tensor(),
          [&](const at::Tensor& loss) { value = checked(loss); });
    }
    correct += out[1].item<double>();
    seen += static_cast<double>(b.target.size(0));
    return value;
  };
  loop.end_epoch = [&](int64_t e, int64_t, double) {
    train_acc = seen > 0 ? correct / seen : 0.0;
    ctx_.metrics().scalar(label + "/train_accuracy", train_acc, e + 1);
    log->info("{} epoch {}/{}: lr {:.5f}, train acc {:.4f}", label, e + 1, epochs, lr, train_acc);
  };
  nn::run_training_loop(ctx_, loop);
  model.eval();
  const Accuracy test = evaluate_accuracy(net.eval_forward, *eval, 0);
  TrainResult r;
  r.params = net.params;
  r.metrics["test_accuracy"] = test.accuracy;
  r.metrics["test_loss"] = test.loss;
  r.metrics["train_accuracy"] = train_acc;
  auto dir = ctx_.run_dir() / "train" / label;
  for (int k = 2; std::filesystem::exists(dir / "model.pt"); ++k)
    dir = ctx_.run_dir() / "train" / (label + "-" + std::to_string(k));
  r.model_file = dir / "model.pt";
  std::filesystem::create_directories(dir);
  net.save(r.model_file);
  write_model_card(r.model_file, net.kind, net.config, genotype, r.params);  // for `nashost export`
  log->info("{}: {} parameters, test accuracy {:.4f}", label, r.params, test.accuracy);
  return r;
}

EnasCnnEvalTrainer::EnasCnnEvalTrainer(const Config& options, HostContext& ctx) : options_(options), ctx_(ctx) {}

int64_t EnasCnnEvalTrainer::count_params(const Genotype& genotype, Dataset&) {
  if (is_macro(genotype)) {
    const MacroArc arc = genotype_macro(genotype, "enas-cnn-eval");
    MacroCnn shared = load_macro_cnn(options_.get_string("model_file"), c10::Device(c10::kCPU));
    return macro_arc_params(shared->config(), arc);
  }
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  const CnnArc arc = genotype_arc(genotype, ops->ops(), "enas-cnn-eval");
  SharedCnn shared = load_shared_cnn(options_.get_string("model_file"), *ops, c10::Device(c10::kCPU));
  SharedCnnImpl fixed(shared->config(), *ops, arc);  // the weights this arc uses
  return count_parameters(fixed);
}

TrainResult EnasCnnEvalTrainer::train(const Genotype& genotype, Dataset& data) {
  if (is_macro(genotype)) return train_macro(genotype, data);
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  const CnnArc arc = genotype_arc(genotype, ops->ops(), "enas-cnn-eval");
  const std::filesystem::path file = options_.get_string("model_file");
  SharedCnn model = load_shared_cnn(file, *ops, ctx_.device());
  const auto& c = model->config();
  check_inputs(file, c.in_channels, c.height, c.width, c.num_classes, data.info());
  if (arc.normal.nodes() != c.num_nodes)
    throw Error("enas-cnn-eval: the genotype has " + std::to_string(arc.normal.nodes()) +
                " nodes per cell, the model " + std::to_string(c.num_nodes));
  model->train();  // the search normalises with batch statistics; so does its evaluation
  const ImageForward forward = [&](const at::Tensor& x) { return model->forward(x, arc, false); };
  // the weights this arc uses (the file is already loaded)
  return evaluate_loaded(forward, count_parameters(SharedCnnImpl(c, *ops, arc)), file, data);
}

TrainResult EnasCnnEvalTrainer::train_macro(const Genotype& genotype, Dataset& data) {
  const MacroArc arc = genotype_macro(genotype, "enas-cnn-eval");
  const std::filesystem::path file = options_.get_string("model_file");
  MacroCnn model = load_macro_cnn(file, ctx_.device());
  const auto& c = model->config();
  check_inputs(file, c.in_channels, c.height, c.width, c.num_classes, data.info());
  if (arc.layers() != c.num_layers)
    throw Error("enas-cnn-eval: the genotype has " + std::to_string(arc.layers()) + " layers, the model " +
                std::to_string(c.num_layers));
  model->train();  // the search normalises with batch statistics; so does its evaluation
  const ImageForward forward = [&](const at::Tensor& x) { return model->forward(x, arc, false); };
  return evaluate_loaded(forward, macro_arc_params(c, arc), file, data);
}

TrainResult EnasCnnEvalTrainer::evaluate_loaded(const ImageForward& forward, int64_t params,
                                                const std::filesystem::path& file, Dataset& data) const {
  LoaderOptions eo;
  eo.batch_size = options_.get_int("eval_batch_size");
  eo.shuffle = false;
  eo.device = ctx_.device();
  const int64_t max_eval_batches = options_.get_int("max_eval_batches");
  auto valid = data.loader(Split::Valid, eo);
  auto test = data.loader(Split::Test, eo);
  TrainResult r;
  r.params = params;
  const Accuracy v = evaluate_accuracy(forward, *valid, max_eval_batches),
                 t = evaluate_accuracy(forward, *test, max_eval_batches);
  r.metrics["valid_accuracy"] = v.accuracy;
  r.metrics["test_accuracy"] = t.accuracy;
  r.metrics["test_loss"] = t.loss;
  r.model_file = file;
  return r;
}

}  // namespace nas::enas
