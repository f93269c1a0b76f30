#include "rnn/rnn_trainers.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <ATen/ATen.h>

#include "rnn/lm_data.hpp"
#include "rnn/rnn_model_file.hpp"
#include "nashost/nn/training_loop.hpp"
#include "nashost/error.hpp"
#include "nashost/model_card.hpp"
#include "nashost/operation_set.hpp"
#include "common/search_options.hpp"
#include "rnn/rnn_options.hpp"

namespace nas::enas {

namespace {
const Dag& checked_dag(const Genotype& g, const OperationSet& ops, const std::string& who) {
  const Dag& dag = genotype_dag(g, who);
  validate_dag(dag, ops.ops(), who);
  return dag;
}
}  // namespace

EnasRnnScratchTrainer::EnasRnnScratchTrainer(const Config& options, HostContext& ctx) : options_(options), ctx_(ctx) {
  SharedTrainOptions::from(options_);  // validates early
}

int64_t EnasRnnScratchTrainer::count_params(const Genotype& genotype, Dataset& data) {
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  const Dag& dag = checked_dag(genotype, *ops, "enas-rnn-scratch");
  SharedRnnImpl model(shared_config_from(options_, data.info().num_outputs, static_cast<int>(dag.size())), *ops,
                      dag_edges(dag));
  return count_parameters(model);
}

TrainResult EnasRnnScratchTrainer::train(const Genotype& genotype, Dataset& data) {
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  auto log = ctx_.logger("enas-rnn-scratch");
  const Dag dag = checked_dag(genotype, *ops, "enas-rnn-scratch");
  const auto device = ctx_.device();
  at::manual_seed(ctx_.seed());
  const auto topts = SharedTrainOptions::from(options_);
  const auto edges = dag_edges(dag);
  SharedRnn model(shared_config_from(options_, data.info().num_outputs, static_cast<int>(dag.size())), *ops, edges);
  model->to(device);
  auto optimizer = make_shared_optimizer(*model, topts);
  std::unique_ptr<nn::StepGraph> graph;
  if (options_.get_bool("cuda_graph")) {
    if (topts.optim != "sgd")
      throw ConfigError("enas-rnn-scratch: " + options_.full_key("cuda_graph") + " needs " +
                        options_.full_key("shared_optim") + " = \"sgd\" (got \"" + topts.optim + "\")");
    graph = std::make_unique<nn::StepGraph>("enas-rnn-scratch training step");
  }
  double lr = 0;

  const int64_t batch = options_.get_int("batch_size"), eval_batch = options_.get_int("eval_batch_size");
  TokenStream stream;
  stream.rows = batchify(lm_tokens(data, Split::Train, 2 * batch), batch, device);
  const at::Tensor valid = batchify(lm_tokens(data, Split::Valid, 2 * eval_batch), eval_batch, device);
  const at::Tensor test = batchify(lm_tokens(data, Split::Test, 2 * eval_batch), eval_batch, device);
  const int64_t epochs = options_.get_int("epochs");
  int64_t steps = options_.get_int("max_steps_per_epoch");
  if (steps <= 0) steps = (stream.rows.size(0) - 1 + topts.bptt - 1) / topts.bptt;
  const int64_t log_step = std::max<int64_t>(1, options_.get_int("log_step"));
  const std::string label = options_.get_string("label");

  double best = std::numeric_limits<double>::infinity();
  int64_t best_epoch = -1;
  double last_train_ppl = 0;
  std::map<std::string, at::Tensor> best_state;
  nn::TrainingLoop loop;
  loop.label = label;
  loop.epochs = epochs;
  loop.step_metric = label + "/train_loss";
  loop.step_metric_every = log_step;
  loop.begin_epoch = [&](int64_t e) {
    lr = lr_for_epoch(topts, e);
    set_lr(*optimizer, lr);
    model->train();
    return steps;
  };
  loop.step = [&](int64_t, int64_t, int64_t) -> std::optional<double> {
    return graph ? shared_step_graphed(*graph, *model, *optimizer, stream, dag, topts, lr)
                 : shared_step(*model, *optimizer, stream, {dag}, topts);
  };
  loop.status = [](double mean_loss) { return "train ppl " + std::to_string(std::exp(mean_loss)); };
  loop.end_epoch = [&](int64_t e, int64_t done, double mean_loss) {
    last_train_ppl = std::exp(done > 0 ? mean_loss : 0.0);
    const double vppl = evaluate_ppl(*model, valid, dag, topts.bptt);
    ctx_.metrics().scalar(label + "/valid_ppl", vppl, e + 1);
    log->info("{} epoch {}/{}: train ppl {:.2f}, valid ppl {:.2f}", label, e + 1, epochs, last_train_ppl, vppl);
    if (vppl < best) {
      best = vppl;
      best_epoch = e + 1;
      best_state.clear();
      for (const auto& p : model->named_parameters()) best_state[p.key()] = p.value().detach().clone();
      for (const auto& b : model->named_buffers()) best_state[b.key()] = b.value().detach().clone();
    }
  };
  nn::run_training_loop(ctx_, loop);
  if (!best_state.empty()) {
    at::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) p.value().copy_(best_state[p.key()]);
    for (auto& b : model->named_buffers()) b.value().copy_(best_state[b.key()]);
  }
  TrainResult r;
  r.params = count_parameters(*model);
  r.metrics["valid_ppl"] = evaluate_ppl(*model, valid, dag, topts.bptt);
  r.metrics["test_ppl"] = evaluate_ppl(*model, test, dag, topts.bptt);
  r.metrics["train_ppl"] = last_train_ppl;
  r.metrics["best_epoch"] = static_cast<double>(best_epoch);
  // One folder per training: a script may train several cells with the same label.
  auto dir = ctx_.run_dir() / "train" / label;
  for (int k = 2; std::filesystem::exists(dir / "model.pt"); ++k)
    dir = ctx_.run_dir() / "train" / (label + "-" + std::to_string(k));
  r.model_file = dir / "model.pt";
  save_shared_model(*model, edges, r.model_file);
  // The archive has the sizes and edges but not the DAG's activations: `nashost export` reads these.
  Json config = model->config().to_json();
  config["activations"] = ops->ops();
  write_model_card(r.model_file, kModelEnasRnn, config, genotype, r.params);
  return r;
}

EnasRnnEvalTrainer::EnasRnnEvalTrainer(const Config& options, HostContext& ctx) : options_(options), ctx_(ctx) {}

int64_t EnasRnnEvalTrainer::count_params(const Genotype& genotype, Dataset&) {
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  const Dag& dag = checked_dag(genotype, *ops, "enas-rnn-eval");
  SharedRnn model = load_shared_model(options_.get_string("model_file"), *ops, c10::Device(c10::kCPU));
  return model->dag_param_count(dag);
}

TrainResult EnasRnnEvalTrainer::train(const Genotype& genotype, Dataset& data) {
  auto ops = ctx_.operation_set(options_.get_string("operation_set"));
  const Dag& dag = checked_dag(genotype, *ops, "enas-rnn-eval");
  const std::filesystem::path file = options_.get_string("model_file");
  SharedRnn model = load_shared_model(file, *ops, ctx_.device());
  if (model->config().vocab != data.info().num_outputs)
    throw Error("enas-rnn-eval: '" + file.string() + "' has a vocabulary of " + std::to_string(model->config().vocab) +
                " words, dataset '" + data.info().name + "' has " + std::to_string(data.info().num_outputs));
  if (static_cast<int>(dag.size()) > model->config().num_blocks)
    throw Error("enas-rnn-eval: the DAG has " + std::to_string(dag.size()) + " nodes, the model in '" + file.string() +
                "' only " + std::to_string(model->config().num_blocks));
  const int64_t eval_batch = options_.get_int("eval_batch_size"), bptt = options_.get_int("bptt");
  const at::Tensor valid = batchify(lm_tokens(data, Split::Valid, 2 * eval_batch), eval_batch, ctx_.device());
  const at::Tensor test = batchify(lm_tokens(data, Split::Test, 2 * eval_batch), eval_batch, ctx_.device());
  TrainResult r;
  r.params = model->dag_param_count(dag);
  r.metrics["valid_ppl"] = evaluate_ppl(*model, valid, dag, bptt);
  r.metrics["test_ppl"] = evaluate_ppl(*model, test, dag, bptt);
  r.model_file = file;
  return r;
}

}  // namespace nas::enas
