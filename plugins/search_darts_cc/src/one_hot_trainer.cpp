#include "one_hot_trainer.hpp"

#include <chrono>
#include <optional>
#include <sstream>

#include <ATen/ATen.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/output-archive.h>
#include <torch/utils.h>

#include "darts_cc_model.hpp"
#include "derive_rules.hpp"
#include "nashost/nn/training_loop.hpp"
#include "nashost/archive_io.hpp"
#include "nashost/nn/data_wait.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/nn/step_graph.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/model_card.hpp"
#include "param_penalty.hpp"

namespace nas::darts_cc {
namespace {

std::string safe_label(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return s;
}

}  // namespace

OneHotChoice one_hot_choice(const Genotype& genotype, const std::vector<std::string>& op_names, int64_t nodes) {
  if (!genotype.is_cell()) throw ConfigError("one-hot: genotype space '" + genotype.space + "' has no cells");
  return {cell_op_indices(genotype.normal, op_names, nodes, "normal"),
          cell_op_indices(genotype.reduce, op_names, nodes, "reduce")};
}

int64_t one_hot_param_count(const nn::DartsSearchNetworkImpl& net, const OneHotChoice& choice) {
  const int64_t nodes = net.options().nodes;
  double all_ops = 0, selected = 0;
  for (const auto& shape : net.cells()) {
    const at::Tensor table = cell_param_costs(net.operation_set(), {shape.reduction, shape.channels}, nodes);
    all_ops += table.sum().item<double>();
    const auto& ops = shape.reduction ? choice.reduce : choice.normal;
    for (size_t e = 0; e < ops.size(); ++e) selected += table[static_cast<int64_t>(e)][ops[e]].item<double>();
  }
  return count_parameters(net) - static_cast<int64_t>(all_ops) + static_cast<int64_t>(selected);
}

OneHotTrainer::OneHotTrainer(const Config& options, HostContext& ctx)
    : settings_(parse_one_hot_settings(options)), ctx_(ctx), log_(ctx.logger("one-hot")) {
  ops_ = ctx.operation_set(settings_.net.ops);
  if (!ops_) throw ConfigError("one-hot: operation set '" + settings_.net.ops + "' is not available");
}

OneHotTrainer::AuxTap OneHotTrainer::make_aux_head(const nn::DartsSearchNetworkImpl& net,
                                                   const DatasetInfo& info) const {
  AuxTap tap;
  if (!settings_.auxiliary) return tap;
  // Where the evaluation network puts it.
  const auto& cells = net.cells();
  tap.after_cell = nn::auxiliary_head_cell(static_cast<int64_t>(cells.size()));
  int64_t h = info.input_shape[1], w = info.input_shape[2];
  for (int64_t i = 0; i <= tap.after_cell; ++i)
    if (cells[static_cast<size_t>(i)].reduction) {
      h = (h + 1) / 2;
      w = (w + 1) / 2;
    }
  const int64_t channels = net.options().nodes * cells[static_cast<size_t>(tap.after_cell)].channels;
  tap.head = nn::AuxiliaryHead(channels, h, w, info.num_outputs);
  return tap;
}

int64_t OneHotTrainer::count_params(const Genotype& genotype, Dataset& data) {
  check_dataset(data.info(), settings_.net, "one-hot");
  const OneHotChoice choice = one_hot_choice(genotype, ops_->ops(), settings_.net.nodes);
  nn::DartsSearchNetwork net(settings_.net.for_data(data.info()), ops_);
  return one_hot_param_count(*net, choice);
}

namespace {

LoaderOptions loader_options(const OneHotSettings& s, HostContext& ctx) {
  LoaderOptions lo;
  lo.batch_size = s.batch_size;
  lo.shuffle = true;
  lo.augment = s.augment;
  lo.cutout = s.cutout;
  lo.seed = ctx.seed();
  lo.device = ctx.device();
  lo.workers = s.workers;
  return lo;
}

struct TestScore {
  double accuracy = 0, loss = 0;  ///< mean over the examples seen
};

/// The discrete network's accuracy and mean loss on (at most `cap` batches of) a split.
TestScore evaluate(nn::DartsSearchNetworkImpl& net, BatchLoader& loader, const OneHotChoice& choice, int64_t epoch,
                   int64_t cap) {
  const at::NoGradGuard no_grad;
  net.eval();
  loader.start_epoch(epoch);
  double correct = 0, seen = 0, loss = 0;
  int64_t batches = 0;
  while (auto b = loader.next()) {
    const at::Tensor logits = net.forward_discrete(b->input, choice.normal, choice.reduce);
    loss += at::cross_entropy_loss(logits, b->target, {}, at::Reduction::Sum).item<double>();
    correct += logits.argmax(1).eq(b->target).sum().item<double>();
    seen += static_cast<double>(b->target.size(0));
    if (cap > 0 && ++batches >= cap) break;
  }
  return seen > 0 ? TestScore{correct / seen, loss / seen} : TestScore{};
}

/// Replaces `file` only with a complete archive of the network.
void save_network(nn::DartsSearchNetworkImpl& net, const std::filesystem::path& file) {
  atomic_write_file(file, [&](const std::filesystem::path& tmp) {
    torch::serialize::OutputArchive archive;
    net.save(archive);
    save_archive(archive, tmp);
  });
}

}  // namespace

/// model.pt holds the whole search-shaped network; model.json says which op of every edge
/// runs and the sizes, so that `nashost export` can keep only what the forward uses.
void OneHotTrainer::write_card(const std::filesystem::path& model_file, nn::DartsSearchNetworkImpl& net,
                               const DatasetInfo& info, const OneHotChoice& choice, const Genotype& genotype,
                               int64_t params) const {
  const auto& net_opts = net.options();
  write_model_card(model_file, kModelDartsCcOneHot,
                   Json{{"in_channels", info.input_shape[0]},
                        {"input_height", info.input_shape[1]},
                        {"input_width", info.input_shape[2]},
                        {"num_outputs", info.num_outputs},
                        {"channels", net_opts.channels},
                        {"layers", net_opts.layers},
                        {"nodes", net_opts.nodes},
                        {"stem_multiplier", net_opts.stem_multiplier},
                        {"operation_set", settings_.net.ops},
                        {"ops", ops_->ops()},
                        {"choice", Json{{"normal", choice.normal}, {"reduce", choice.reduce}}}},
                   genotype, params);
}

struct OneHotTrainer::Run {
  std::string label;
  std::filesystem::path model_file;
  OneHotChoice choice;
  nn::DartsSearchNetwork net{nullptr};
  AuxTap aux;
  std::vector<at::Tensor> weights;  ///< the network's and the auxiliary head's: optimised and clipped together
  std::unique_ptr<torch::optim::SGD> opt;
  std::unique_ptr<BatchLoader> train_loader, test_loader;
  int64_t params = 0;  ///< without the auxiliary head
  std::chrono::steady_clock::time_point start;
  double drop_prob = 0;
  std::unique_ptr<nn::StepGraph> graph;        ///< cuda_graph = true
  double graph_drop_prob = -1;                 ///< the drop-path probability the graph was captured with
  nn::DataWait data_wait;                      ///< the epoch's time in the loader
  double sum_loss = 0, correct = 0, seen = 0;  ///< the epoch under way
  double best_acc = -1, best_loss = 0, last_acc = 0, last_train_loss = 0, last_train_acc = 0;
  int64_t best_epoch = -1;
};

std::unique_ptr<OneHotTrainer::Run> OneHotTrainer::start_run(const Genotype& genotype, Dataset& data) {
  check_dataset(data.info(), settings_.net, "one-hot");
  auto run = std::make_unique<Run>();
  run->start = std::chrono::steady_clock::now();
  // Validate the genotype before anything is built or trained.
  run->choice = one_hot_choice(genotype, ops_->ops(), settings_.net.nodes);
  ++runs_;
  run->label = "one-hot-" + std::to_string(runs_);
  if (genotype.meta.is_object() && genotype.meta.contains("label") && genotype.meta["label"].is_string())
    run->label = genotype.meta["label"].get<std::string>();
  const auto dir = ctx_.run_dir() / "train" / safe_label(run->label);
  run->model_file = dir / "model.pt";

  torch::manual_seed(ctx_.seed());  // every genotype starts from the same seed
  run->net = nn::DartsSearchNetwork(settings_.net.for_data(data.info()), ops_);
  run->net->to(ctx_.device());
  run->params = one_hot_param_count(*run->net, run->choice);
  run->weights = run->net->parameters();
  run->aux = make_aux_head(*run->net, data.info());
  if (run->aux.head) {
    run->aux.head->to(ctx_.device());
    for (const auto& p : run->aux.head->parameters()) run->weights.push_back(p);
  }
  std::filesystem::create_directories(dir);  // only once the networks could be built
  if (settings_.cuda_graph) run->graph = std::make_unique<nn::StepGraph>("one-hot training step");
  run->opt = std::make_unique<torch::optim::SGD>(
      run->weights,
      torch::optim::SGDOptions(settings_.lr).momentum(settings_.momentum).weight_decay(settings_.weight_decay));
  const LoaderOptions lo = loader_options(settings_, ctx_);
  run->train_loader = data.loader(Split::TrainFull, lo);
  run->test_loader = data.loader(Split::Test, lo.for_evaluation());
  return run;
}

int64_t OneHotTrainer::begin_epoch(Run& run, int64_t epoch) {
  const double lr = cosine_lr(settings_.lr, settings_.lr_min, epoch, settings_.epochs);
  run.drop_prob = settings_.drop_path_at(epoch);
  if (run.graph && run.drop_prob != run.graph_drop_prob) {  // a number the captured step holds
    run.graph->reset();
    run.graph_drop_prob = run.drop_prob;
  }
  for (auto& g : run.opt->param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  run.net->train();
  run.train_loader->start_epoch(epoch);
  run.data_wait.start_epoch();
  run.sum_loss = run.correct = run.seen = 0;
  const int64_t steps = run.train_loader->batches_per_epoch();
  return settings_.batches_per_epoch > 0 ? std::min(steps, settings_.batches_per_epoch) : steps;
}

std::vector<at::Tensor> OneHotTrainer::step_body(Run& run, const Batch& b, const at::Tensor& lr,
                                                 const std::function<void(const at::Tensor&)>& check) {
  run.opt->zero_grad();
  at::Tensor aux_logits;
  const at::Tensor logits = run.net->forward_discrete(b.input, run.choice.normal, run.choice.reduce, run.drop_prob,
                                                      [&](int64_t cell, const at::Tensor& out) {
                                                        if (run.aux.head && cell == run.aux.after_cell)
                                                          aux_logits = run.aux.head->forward(out);
                                                      });
  at::Tensor loss = at::cross_entropy_loss(logits, b.target);
  if (aux_logits.defined()) loss = loss + settings_.aux_weight * at::cross_entropy_loss(aux_logits, b.target);
  check(loss);
  loss.backward();
  nn::clip_grad_norm(run.weights, settings_.grad_clip);
  if (lr.defined())
    nn::sgd_step(*run.opt, lr);
  else
    nn::sgd_step(*run.opt);
  return {loss.detach(), logits.argmax(1).eq(b.target).sum()};
}

std::optional<double> OneHotTrainer::train_step(Run& run, int64_t epoch) {
  auto b = run.data_wait.next(*run.train_loader);
  if (!b) return std::nullopt;
  auto checked = [&](const at::Tensor& loss) {
    const double l = loss.item<double>();
    if (!std::isfinite(l))
      throw NumericError("one-hot '" + run.label + "': training loss is " + std::to_string(l) + " at epoch " +
                         std::to_string(epoch) + "; lower lr");
    return l;
  };
  double l = 0;
  std::vector<at::Tensor> out;
  if (run.graph) {
    // lr as an input of the captured step; the loss checked after it (a captured step reads
    // nothing before its end).
    const at::Device device = ctx_.device();
    const double lr = static_cast<const torch::optim::SGDOptions&>(run.opt->param_groups().front().options()).lr();
    out = run.graph->run(
        {b->input.to(device), b->target.to(device),
         at::scalar_tensor(lr, at::TensorOptions().device(device).dtype(run.weights.front().scalar_type()))},
        [&](const std::vector<at::Tensor>& in) {
          return step_body(run, Batch{in[0], in[1]}, in[2], [](const at::Tensor&) {});
        });
    l = checked(out[0]);
  } else {
    out = step_body(run, *b, at::Tensor(), [&](const at::Tensor& loss) { l = checked(loss); });
  }
  run.sum_loss += l;
  run.correct += out[1].item<double>();
  run.seen += static_cast<double>(b->target.size(0));
  return l;
}

void OneHotTrainer::end_epoch(Run& run, int64_t epoch, int64_t steps_done) {
  const double data_wait_share = run.data_wait.share();  // of the training steps, before the test pass
  run.last_train_loss = steps_done > 0 ? run.sum_loss / static_cast<double>(steps_done) : 0.0;
  run.last_train_acc = run.seen > 0 ? run.correct / run.seen : 0.0;
  // The test set is the validation set (authors' fine-tuning protocol).
  const TestScore test = evaluate(*run.net, *run.test_loader, run.choice, epoch, settings_.max_eval_batches);
  run.last_acc = test.accuracy;
  const std::string prefix = "train/" + run.label + "/";
  ctx_.metrics().scalar(prefix + "train_loss", run.last_train_loss, epoch);
  ctx_.metrics().scalar(prefix + "test_accuracy", run.last_acc, epoch);
  ctx_.metrics().scalar(prefix + "data_wait_share", data_wait_share, epoch);
  if (run.drop_prob > 0.0) ctx_.metrics().scalar(prefix + "drop_path", run.drop_prob, epoch);
  if (run.last_acc > run.best_acc) {
    run.best_acc = run.last_acc;
    run.best_loss = test.loss;
    run.best_epoch = epoch;
    save_network(*run.net, run.model_file);
  }
  log_->info("{} epoch {}/{}: train loss {:.4f} acc {:.4f}, test acc {:.4f} (best {:.4f})", run.label, epoch + 1,
             settings_.epochs, run.last_train_loss, run.last_train_acc, run.last_acc, run.best_acc);
}

TrainResult OneHotTrainer::result_of(const Run& run) const {
  TrainResult r;
  r.params = run.params;
  r.model_file = run.model_file;
  r.metrics = {{"test_accuracy", run.best_acc},  // the best epoch's, as the authors report
               {"best_test_accuracy", run.best_acc},
               {"best_epoch", static_cast<double>(run.best_epoch)},
               {"test_loss", run.best_loss},
               {"final_test_accuracy", run.last_acc},
               {"train_loss", run.last_train_loss},
               {"train_accuracy", run.last_train_acc},
               {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - run.start).count()}};
  return r;
}

TrainResult OneHotTrainer::train(const Genotype& genotype, Dataset& data) {
  const at::AutoGradMode grad_mode(true);  // callers may hold a NoGradGuard
  std::unique_ptr<Run> run = start_run(genotype, data);
  nn::TrainingLoop loop;
  loop.label = run->label;
  loop.epochs = settings_.epochs;
  loop.step_metric = "train/" + run->label + "/step_train_loss";  // TensorBoard's live curve within an epoch
  loop.begin_epoch = [&](int64_t epoch) { return begin_epoch(*run, epoch); };
  loop.step = [&](int64_t epoch, int64_t, int64_t) { return train_step(*run, epoch); };
  loop.status = [&](double mean_loss) {
    std::ostringstream st;
    st.precision(3);
    st << "loss " << mean_loss << " acc " << (run->seen > 0 ? run->correct / run->seen : 0.0);
    return st.str();
  };
  loop.end_epoch = [&](int64_t epoch, int64_t done, double) { end_epoch(*run, epoch, done); };
  nn::run_training_loop(ctx_, loop);
  if (std::filesystem::exists(run->model_file))
    write_card(run->model_file, *run->net, data.info(), run->choice, genotype, run->params);
  return result_of(*run);
}

}  // namespace nas::darts_cc
