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
#include "nashost/nn/foreach_ops.hpp"
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

TrainResult OneHotTrainer::train(const Genotype& genotype, Dataset& data) {
  check_dataset(data.info(), settings_.net, "one-hot");
  // Validate the genotype before anything is built or trained.
  const OneHotChoice choice = one_hot_choice(genotype, ops_->ops(), settings_.net.nodes);
  const auto start = std::chrono::steady_clock::now();
  const at::AutoGradMode grad_mode(true);  // callers may hold a NoGradGuard
  ++runs_;
  std::string label = "one-hot-" + std::to_string(runs_);
  if (genotype.meta.is_object() && genotype.meta.contains("label") && genotype.meta["label"].is_string())
    label = genotype.meta["label"].get<std::string>();
  const auto dir = ctx_.run_dir() / "train" / safe_label(label);

  torch::manual_seed(ctx_.seed());  // every genotype starts from the same seed
  nn::DartsSearchNetwork net(settings_.net.for_data(data.info()), ops_);
  net->to(ctx_.device());
  const int64_t params = one_hot_param_count(*net, choice);  // without the auxiliary head
  std::vector<at::Tensor> weights = net->parameters();
  AuxTap aux = make_aux_head(*net, data.info());
  if (aux.head) {
    aux.head->to(ctx_.device());
    for (const auto& p : aux.head->parameters()) weights.push_back(p);  // optimised and clipped with the net
  }
  std::filesystem::create_directories(dir);  // only once the networks could be built
  torch::optim::SGD opt(
      weights,
      torch::optim::SGDOptions(settings_.lr).momentum(settings_.momentum).weight_decay(settings_.weight_decay));

  const LoaderOptions lo = loader_options(settings_, ctx_);
  auto train_loader = data.loader(Split::TrainFull, lo);
  auto test_loader = data.loader(Split::Test, lo.for_evaluation());

  double best_acc = -1, best_loss = 0, last_acc = 0, last_train_loss = 0, last_train_acc = 0;
  int64_t best_epoch = -1;
  const auto model_file = dir / "model.pt";
  double drop_prob = 0, sum_loss = 0, correct = 0, seen = 0;
  nn::TrainingLoop loop;
  loop.label = label;
  loop.epochs = settings_.epochs;
  loop.step_metric = "train/" + label + "/step_train_loss";  // TensorBoard's live curve within an epoch
  loop.begin_epoch = [&](int64_t epoch) {
    const double lr = cosine_lr(settings_.lr, settings_.lr_min, epoch, settings_.epochs);
    drop_prob = settings_.drop_path_at(epoch);
    for (auto& g : opt.param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
    net->train();
    train_loader->start_epoch(epoch);
    sum_loss = correct = seen = 0;
    const int64_t steps = train_loader->batches_per_epoch();
    return settings_.batches_per_epoch > 0 ? std::min(steps, settings_.batches_per_epoch) : steps;
  };
  loop.step = [&](int64_t epoch, int64_t, int64_t) -> std::optional<double> {
    auto b = train_loader->next();
    if (!b) return std::nullopt;
    opt.zero_grad();
    at::Tensor aux_logits;
    const at::Tensor logits = net->forward_discrete(b->input, choice.normal, choice.reduce, drop_prob,
                                                    [&](int64_t cell, const at::Tensor& out) {
                                                      if (aux.head && cell == aux.after_cell)
                                                        aux_logits = aux.head->forward(out);
                                                    });
    at::Tensor loss = at::cross_entropy_loss(logits, b->target);
    if (aux_logits.defined()) loss = loss + settings_.aux_weight * at::cross_entropy_loss(aux_logits, b->target);
    const double l = loss.item<double>();
    if (!std::isfinite(l))
      throw NumericError("one-hot '" + label + "': training loss is " + std::to_string(l) + " at epoch " +
                         std::to_string(epoch) + "; lower lr");
    loss.backward();
    nn::clip_grad_norm(weights, settings_.grad_clip);
    nn::sgd_step(opt);
    sum_loss += l;
    correct += logits.argmax(1).eq(b->target).sum().item<double>();
    seen += static_cast<double>(b->target.size(0));
    return l;
  };
  loop.status = [&](double mean_loss) {
    std::ostringstream st;
    st.precision(3);
    st << "loss " << mean_loss << " acc " << (seen > 0 ? correct / seen : 0.0);
    return st.str();
  };
  loop.end_epoch = [&](int64_t epoch, int64_t done, double) {
    last_train_loss = done > 0 ? sum_loss / static_cast<double>(done) : 0.0;
    last_train_acc = seen > 0 ? correct / seen : 0.0;

    // The test set is the validation set (authors' fine-tuning protocol).
    const TestScore test = evaluate(*net, *test_loader, choice, epoch, settings_.max_eval_batches);
    last_acc = test.accuracy;
    ctx_.metrics().scalar("train/" + label + "/train_loss", last_train_loss, epoch);
    ctx_.metrics().scalar("train/" + label + "/test_accuracy", last_acc, epoch);
    if (drop_prob > 0.0) ctx_.metrics().scalar("train/" + label + "/drop_path", drop_prob, epoch);
    if (last_acc > best_acc) {
      best_acc = last_acc;
      best_loss = test.loss;
      best_epoch = epoch;
      save_network(*net, model_file);
    }
    log_->info("{} epoch {}/{}: train loss {:.4f} acc {:.4f}, test acc {:.4f} (best {:.4f})", label, epoch + 1,
               settings_.epochs, last_train_loss, last_train_acc, last_acc, best_acc);
  };
  nn::run_training_loop(ctx_, loop);
  if (std::filesystem::exists(model_file)) write_card(model_file, *net, data.info(), choice, genotype, params);
  TrainResult r;
  r.params = params;
  r.model_file = model_file;
  r.metrics = {{"test_accuracy", best_acc},  // the best epoch's, as the authors report
               {"best_test_accuracy", best_acc},
               {"best_epoch", static_cast<double>(best_epoch)},
               {"test_loss", best_loss},
               {"final_test_accuracy", last_acc},
               {"train_loss", last_train_loss},
               {"train_accuracy", last_train_acc},
               {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
  return r;
}

}  // namespace nas::darts_cc
