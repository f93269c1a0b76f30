#include "darts_search.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/utils.h>

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "alpha_report.hpp"
#include "common.hpp"
#include "nashost/nn/derive_cell.hpp"
#include "nashost/archive_io.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"
#include "nashost/nn/bilevel.hpp"
#include "nashost/nn/data_wait.hpp"
#include "nashost/nn/limits.hpp"
#include "nashost/operation_set.hpp"

namespace nas::darts {

const OptionList& search_options() {
  static const OptionList list{
      {"epochs", OptionType::Int, 50, "search epochs"},
      {"order", OptionType::Int, 2, "architecture gradient: 1 = first order, 2 = second order (unrolled)"},
      {"batch_size", OptionType::Int, 64, "batch size of both the training and the validation half"},
      {"channels", OptionType::Int, 16, "initial channels C of the supernet"},
      {"layers", OptionType::Int, 8, "cells of the supernet (reductions at L/3 and 2L/3)"},
      {"nodes", OptionType::Int, 4, "intermediate nodes per cell"},
      {"stem_multiplier", OptionType::Int, 3, "stem width = stem_multiplier * channels"},
      {"batch_edges", OptionType::Bool, true,
       "run the edges that share an input as grouped kernels (same arithmetic up to rounding, fewer kernels); false = "
       "edge by edge"},
      {"memory_format", OptionType::String, "auto", nn::kLayoutOptionHelp},
      {"operation_set", OptionType::String, "darts", "operation set providing the candidate ops"},
      {"w_lr", OptionType::Float, 0.025, "weight learning rate (cosine-annealed)"},
      {"w_lr_min", OptionType::Float, 0.001, "final weight learning rate"},
      {"w_momentum", OptionType::Float, 0.9, "SGD momentum of the weights"},
      {"w_weight_decay", OptionType::Float, 3e-4, "SGD weight decay (coupled L2)"},
      {"w_grad_clip", OptionType::Float, 5.0, "global L2 norm clip of weight gradients"},
      {"alpha_lr", OptionType::Float, 3e-4, "Adam learning rate of the architecture logits"},
      {"alpha_beta1", OptionType::Float, 0.5, "Adam beta1 of the architecture logits"},
      {"alpha_beta2", OptionType::Float, 0.999, "Adam beta2 of the architecture logits"},
      {"alpha_weight_decay", OptionType::Float, 1e-3, "Adam weight decay (coupled L2) of the logits"},
      {"alpha_init_std", OptionType::Float, 1e-3, "logits are initialised as alpha_init_std * N(0,1)"},
      {"augment", OptionType::Bool, true, "apply the dataset's training augmentation to both halves"},
      {"workers", OptionType::Int, 1, "batch-assembly threads per loader"},
      {"micro_batches", OptionType::Int, 1,
       "split each batch into this many parts computed one after another, gradients averaged (per rank when the run "
       "has several: each rank takes batch_size / ranks examples); the same steps as that many ranks, in less memory"},
      {"cuda_graph", OptionType::Bool, false,
       "capture the whole search step (both passes, the Hessian-vector probes, clipping, both optimiser updates) in a "
       "CUDA graph once and replay it every step: one launch instead of tens of thousands; results equal to rounding. "
       "One process, micro_batches = 1. On the CPU the same step runs uncaptured"},
      {"max_steps_per_epoch", OptionType::Int, 0, "cap on search steps per epoch (0 = whole split)"},
      {"max_eval_batches", OptionType::Int, 0, "cap on validation batches per epoch (0 = whole split)"},
      {"plots", OptionType::Bool, true, "write Graphviz pictures (cells, alpha heat maps) each epoch"},
      {"output_dir", OptionType::String, "search", "folder under the run directory for per-epoch files"},
  };
  return list;
}

namespace {
std::string epoch_tag(int64_t e) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%03lld", static_cast<long long>(e));
  return buf;
}
}  // namespace

DartsSearch::StepSettings DartsSearch::parse_step_settings(const Config& o) {
  return StepSettings{o.get_float("w_lr"),           o.get_float("w_lr_min"),    o.get_float("w_momentum"),
                      o.get_float("w_weight_decay"), o.get_float("w_grad_clip"), o.get_int("max_steps_per_epoch"),
                      o.get_int("max_eval_batches"), o.get_bool("plots")};
}

DartsSearch::DartsSearch(const Config& o, std::shared_ptr<Dataset> data, HostContext& ctx)
    : options_(o),
      settings_(parse_step_settings(o)),
      data_(std::move(data)),
      ctx_(ctx),
      log_(ctx.logger("darts")),
      device_(ctx.device()) {
  if (!data_) throw ConfigError("darts: no dataset given");
  const auto& info = data_->info();
  task_ = info.task;
  if (task_ == Task::LanguageModel)
    throw ConfigError("darts: the CNN search needs an image dataset, not '" + info.name + "'");
  epochs_ = o.get_int("epochs");
  // Sizes within nashost/nn/limits.hpp, checked before the supernet is allocated.
  nodes_ = o.get_int_in("nodes", 1, nn::kMaxNodes);
  const int64_t layers = o.get_int_in("layers", 1, nn::kMaxLayers);
  const int64_t order = o.get_int("order");
  if (order != 1 && order != 2)
    throw ConfigError("darts: " + o.full_key("order") + " must be 1 or 2, got " + std::to_string(order));
  second_order_ = order == 2;
  if (epochs_ < 1) throw ConfigError("darts: " + o.full_key("epochs") + " must be positive");
  check_input_size(info, layers, "darts");
  parallel_ = nn::DataParallel(static_cast<int>(o.get_int_in("micro_batches", 1, 1024)));
  parallel_.check_batch_size(o.get_int("batch_size"), o.full_key("batch_size"));

  torch::manual_seed(ctx.seed());
  nn::SearchNetworkOptions so;
  so.in_channels = info.input_shape[0];
  so.num_outputs = info.num_outputs;
  so.channels = o.get_int_in("channels", 1, nn::kMaxChannels);
  so.layers = layers;
  so.nodes = nodes_;
  so.stem_multiplier = o.get_int_in("stem_multiplier", 1, nn::kMaxStemMultiplier);
  so.batch_edges = o.get_bool("batch_edges");
  so.layout = nn::parse_layout(o.get_string("memory_format"), o.full_key("memory_format"));
  net_ = nn::DartsSearchNetwork(so, ctx.operation_set(o.get_string("operation_set")));
  net_->to(device_);
  const int64_t e = net_->num_edges(), ops = net_->num_ops();
  const double std = o.get_float("alpha_init_std");
  alpha_normal_ = (std * at::randn({e, ops})).to(device_).requires_grad_(true);
  alpha_reduce_ = (std * at::randn({e, ops})).to(device_).requires_grad_(true);
  // Alphas are not module parameters: they never reach the weight optimiser or its decay.
  weights_ = net_->parameters();
  w_opt_ = std::make_unique<torch::optim::SGD>(
      weights_,
      torch::optim::SGDOptions(settings_.w_lr).momentum(settings_.w_momentum).weight_decay(settings_.w_weight_decay));
  a_opt_ = std::make_unique<torch::optim::Adam>(std::vector<at::Tensor>{alpha_normal_, alpha_reduce_},
                                                torch::optim::AdamOptions(o.get_float("alpha_lr"))
                                                    .betas({o.get_float("alpha_beta1"), o.get_float("alpha_beta2")})
                                                    .weight_decay(o.get_float("alpha_weight_decay")));

  LoaderOptions lo = LoaderOptions::for_training(o, ctx.seed(), device_);
  train_loader_ = data_->loader(Split::Train, lo);
  lo.seed = ctx.seed() + 1;
  valid_loader_ = data_->loader(Split::Valid, lo);
  eval_loader_ = data_->loader(Split::Valid, lo.for_evaluation());
  out_dir_ = ctx.run_dir() / o.get_string("output_dir");
  if (o.get_bool("cuda_graph")) {
    if (parallel_.active())
      throw ConfigError("darts: " + o.full_key("cuda_graph") +
                        " captures a one-process step: it needs one rank and micro_batches = 1 (this run has " +
                        std::to_string(parallel_.total_shards()) + " shards)");
    graph_ = std::make_unique<nn::StepGraph>("darts search step");
    if (!device_.is_cuda()) log_->info("darts: cuda_graph on the CPU: the graph-safe step runs uncaptured");
  }
  log_->info("darts: {} order, supernet {} params, {} edges x {} ops per cell", second_order_ ? "second" : "first",
             count_parameters(*net_), e, ops);
}

nn::BilevelProblem DartsSearch::bilevel_problem(const Batch& tb, const Batch& vb) {
  auto loss_on = [this](const Batch& b) {
    return task_loss(task_, net_->forward(b.input, at::softmax(alpha_normal_, -1), at::softmax(alpha_reduce_, -1)),
                     b.target);
  };
  nn::BilevelProblem problem;
  problem.weights = weights_;
  problem.arch = {alpha_normal_, alpha_reduce_};
  problem.train_loss = [loss_on, &tb] { return loss_on(tb); };
  problem.valid_loss = [loss_on, &vb] { return loss_on(vb); };
  if (second_order_) problem.momentum = nn::sgd_momentum_buffers(*w_opt_, weights_);
  problem.buffers = net_->buffers();
  return problem;
}

nn::BilevelOptions DartsSearch::bilevel_options() const {
  nn::BilevelOptions bo;
  bo.second_order = second_order_;
  bo.momentum = settings_.w_momentum;
  bo.weight_decay = settings_.w_weight_decay;
  return bo;
}

std::pair<double, at::Tensor> DartsSearch::step(const Batch& tb, const Batch& vb, double lr, const std::string& where) {
  if (graph_) return graph_step(tb, vb, lr, where);
  net_->train();
  auto weights_of = [&](const at::Tensor& a) { return at::softmax(a, -1); };
  // 1. architecture step
  nn::BilevelProblem problem = bilevel_problem(tb, vb);
  auto shard_loss = [&](const Batch& whole, int k) {
    const Batch b = parallel_.shard(whole, k);
    return task_loss(task_, net_->forward(b.input, weights_of(alpha_normal_), weights_of(alpha_reduce_)), b.target);
  };
  problem.parallel = &parallel_;
  problem.train_shard_loss = [&](int k) { return shard_loss(tb, k); };
  problem.valid_shard_loss = [&](int k) { return shard_loss(vb, k); };
  nn::BilevelOptions bo = bilevel_options();
  bo.xi = lr;  // ξ = current weight learning rate
  bo.where = where;
  auto result = nn::architecture_gradient(problem, bo);
  a_opt_->zero_grad();
  alpha_normal_.mutable_grad() = result.arch_grad[0];
  alpha_reduce_.mutable_grad() = result.arch_grad[1];
  nn::adam_step(*a_opt_);

  // 2. weight step with the updated alphas (held constant here)
  for (auto& g : w_opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  // Every weight gets a gradient in every step: weights and gradients in one buffer each
  // (the clipping and the SGD step are then one op on it; nashost/nn/foreach_ops.hpp).
  nn::zero_flat_grads(weights_);
  const at::Tensor wn = weights_of(alpha_normal_.detach()), wr = weights_of(alpha_reduce_.detach());
  std::vector<at::Tensor> outs;
  const double lv = parallel_.backward(
      [&](int k) {
        const Batch b = parallel_.shard(tb, k);
        const at::Tensor out = net_->forward(b.input, wn, wr);
        outs.push_back(out.detach());
        return task_loss(task_, out, b.target);
      },
      weights_);
  checked_loss(at::scalar_tensor(lv, at::kDouble), "the weight step (" + where + ")");
  nn::clip_grad_norm(weights_, settings_.w_grad_clip);
  nn::sgd_step(*w_opt_);
  // BatchNorm running statistics: rank 0's, as DDP broadcasts them.
  if (parallel_.world_size() > 1) parallel_.sync_from_rank0(net_->buffers());
  return {lv, outs.size() == 1 ? outs.front() : at::cat(outs)};
}

std::pair<double, at::Tensor> DartsSearch::graph_step(const Batch& tb, const Batch& vb, double lr,
                                                      const std::string& where) {
  // The optimiser's options keep the rate (its checkpoints, an uncaptured step after a resume).
  for (auto& g : w_opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  const auto scalar = at::TensorOptions().device(device_).dtype(weights_.front().scalar_type());
  const std::vector<at::Tensor> inputs{
      tb.input.to(device_),
      tb.target.to(device_),
      vb.input.to(device_),
      vb.target.to(device_),
      at::scalar_tensor(lr, scalar),
      at::scalar_tensor(static_cast<double>(nn::next_adam_step(*a_opt_)), scalar.dtype(at::kFloat))};
  const std::vector<at::Tensor> out = graph_->run(inputs, [this](const auto& in) { return graph_body(in); });
  if (graph_->replayed()) nn::count_adam_step(*a_opt_);  // what adam_step's host code does
  std::vector<nn::PendingLoss> losses;                   // in the order of the passes: the first bad one is named
  for (size_t i = 2; i < out.size(); ++i) losses.emplace_back(graph_loss_names_.at(i - 2), out[i]);
  losses.emplace_back("the weight step", out[0]);
  nn::check_finite_losses(losses, where);
  return {out[0].item<double>(), out[1]};
}

std::vector<at::Tensor> DartsSearch::graph_body(const std::vector<at::Tensor>& in) {
  net_->train();
  const Batch tb{in[0], in[1]}, vb{in[2], in[3]};
  const at::Tensor &lr = in[4], &adam_step_number = in[5];
  auto weights_of = [&](const at::Tensor& a) { return at::softmax(a, -1); };
  // 1. architecture step (as step(); ξ and the Adam step number from the inputs)
  nn::BilevelOptions bo = bilevel_options();
  bo.xi_tensor = lr;
  auto result = nn::architecture_gradient(bilevel_problem(tb, vb), bo);
  a_opt_->zero_grad();
  alpha_normal_.mutable_grad() = result.arch_grad[0];
  alpha_reduce_.mutable_grad() = result.arch_grad[1];
  nn::adam_step(*a_opt_, adam_step_number);

  // 2. weight step with the updated alphas (held constant here)
  nn::zero_flat_grads(weights_);
  const at::Tensor out =
      net_->forward(tb.input, weights_of(alpha_normal_.detach()), weights_of(alpha_reduce_.detach()));
  const at::Tensor loss = task_loss(task_, out, tb.target);
  loss.backward();
  nn::clip_grad_norm(weights_, settings_.w_grad_clip);
  nn::sgd_step(*w_opt_, lr);
  std::vector<at::Tensor> outputs{loss.detach(), out.detach()};
  graph_loss_names_.clear();
  for (auto& [what, value] : result.pending_losses) {
    graph_loss_names_.push_back(what);
    outputs.push_back(value);
  }
  return outputs;
}

Metrics DartsSearch::run_epoch() {
  if (epoch_ >= epochs_) throw Error("darts: all " + std::to_string(epochs_) + " epochs are done");
  const double lr = cosine_lr(settings_.w_lr, settings_.w_lr_min, epoch_, epochs_);
  train_loader_->start_epoch(epoch_);
  valid_loader_->start_epoch(epoch_);
  int64_t steps = std::min(train_loader_->batches_per_epoch(), valid_loader_->batches_per_epoch());
  if (const int64_t cap = settings_.max_steps_per_epoch; cap > 0) steps = std::min(steps, cap);
  auto progress = ctx_.progress("darts epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(epochs_), steps);
  EpochMeter train_meter(task_);
  const int64_t bytes_before = parallel_.bytes_communicated();
  int64_t steps_done = 0;
  nn::DataWait data_wait;
  data_wait.start_epoch();
  for (int64_t s = 0; s < steps; ++s) {
    auto tb = data_wait.next(*train_loader_);
    auto vb = data_wait.next(*valid_loader_);
    if (!tb || !vb) break;
    // A last batch with fewer examples than shards ends the epoch on every rank alike.
    if (!parallel_.splits(*tb) || !parallel_.splits(*vb)) break;
    const std::string where = "epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(epochs_) + ", step " +
                              std::to_string(s + 1) + "/" + std::to_string(steps);
    const auto [loss, out] =
        step(*tb, *vb, lr, where);  // metrics from the weight step's forward (docs/methods.md, DARTS)
    train_meter.add(out, parallel_.local_rows(*tb).target, loss);
    ++steps_done;
    ctx_.metrics().scalar("darts/step_train_loss", loss, epoch_ * steps + s);
    progress->advance();
    if (s % 10 == 0) progress->set_status("loss " + std::to_string(loss));
    if (ctx_.stop_requested()) throw Interrupted("stopped on request");  // no partial epoch
  }
  progress->finish();
  Metrics m;
  m["data_wait_share"] = data_wait.share();
  train_meter.report("train_", m);
  if (parallel_.world_size() > 1 && steps_done > 0)
    m["allreduce_bytes_per_step"] =
        static_cast<double>(parallel_.bytes_communicated() - bytes_before) / static_cast<double>(steps_done);
  if (parallel_.world_size() > 1) {
    // The ranks must hold the same search after every step; checked once per epoch (one
    // broadcast of the parameters), so that a divergence is seen, not assumed away.
    std::vector<at::Tensor> state = weights_;
    state.push_back(alpha_normal_);
    state.push_back(alpha_reduce_);
    m["ranks_divergence"] = parallel_.max_divergence(state);
    if (m["ranks_divergence"] > 1e-5)
      log_->warn("darts: the ranks' parameters differ by up to {} after epoch {}", m["ranks_divergence"], epoch_ + 1);
  }
  const Metrics v = evaluate();
  m.insert(v.begin(), v.end());
  m["lr"] = lr;
  ++epoch_;
  write_epoch_outputs(epoch_, m);
  return m;
}

Metrics DartsSearch::evaluate() {
  at::NoGradGuard ng;
  net_->eval();  // running statistics, as both reference repos do for search validation
  eval_loader_->start_epoch(epoch_);
  EpochMeter meter(task_);
  const at::Tensor wn = at::softmax(alpha_normal_, -1), wr = at::softmax(alpha_reduce_, -1);
  const int64_t cap = settings_.max_eval_batches;
  int64_t n = 0;
  while (auto b = eval_loader_->next()) {
    const at::Tensor out = net_->forward(b->input, wn, wr);
    meter.add(
        out, b->target,
        checked_loss(task_loss(task_, out, b->target), "search validation after epoch " + std::to_string(epoch_ + 1)));
    if (cap > 0 && ++n >= cap) break;
  }
  net_->train();
  Metrics m;
  meter.report("valid_", m);
  return m;
}

Genotype DartsSearch::current_genotype() const {
  const auto& ops = net_->operation_set().ops();
  Genotype g;
  g.space = "darts";
  g.normal = nn::derive_cell(alpha_normal_, ops, nodes_);
  g.reduce = nn::derive_cell(alpha_reduce_, ops, nodes_);
  g.meta = Json{{"strategy", "darts"},
                {"order", second_order_ ? 2 : 1},
                {"epoch", epoch_},
                {"seed", ctx_.seed()},
                {"dataset", data_->info().name}};
  return g;
}

void DartsSearch::write_epoch_outputs(int64_t epoch, const Metrics& m) {
  if (parallel_.rank() != 0) return;  // the ranks hold the same search; rank 0 writes it
  const auto& ops = net_->operation_set().ops();
  const Genotype g = current_genotype();
  const std::string text = to_darts_text(g);
  std::string summary = "epoch " + std::to_string(epoch) + ":";
  for (const auto& [k, v] : m) summary += " " + k + "=" + std::to_string(v);
  log_->info("{}", summary);
  log_->info("\n{}{}",
             alpha_table(alpha_normal_, ops, nodes_, "alpha normal (softmax), epoch " + std::to_string(epoch)),
             alpha_table(alpha_reduce_, ops, nodes_, "alpha reduce (softmax), epoch " + std::to_string(epoch)));
  log_->info("genotype = {}", text);
  ctx_.metrics().text("darts/genotype", text, epoch);
  const std::string tag = epoch_tag(epoch);
  std::filesystem::create_directories(out_dir_ / "alphas");
  std::filesystem::create_directories(out_dir_ / "genotypes");
  atomic_write_text(out_dir_ / "alphas" / ("normal_" + tag + ".csv"), alpha_csv(alpha_normal_, ops, nodes_));
  atomic_write_text(out_dir_ / "alphas" / ("reduce_" + tag + ".csv"), alpha_csv(alpha_reduce_, ops, nodes_));
  atomic_write_text(
      out_dir_ / "alphas" / ("table_" + tag + ".txt"),
      alpha_table(alpha_normal_, ops, nodes_, "normal") + "\n" + alpha_table(alpha_reduce_, ops, nodes_, "reduce"));
  atomic_write_text(out_dir_ / "genotypes" / ("EP" + tag + ".txt"), text + "\n");
  save_genotype(g, out_dir_ / "genotypes" / ("EP" + tag + ".json"));
  if (!settings_.plots) return;
  try {
    std::filesystem::create_directories(out_dir_ / "plots");
    const std::string caption = "Epoch " + std::to_string(epoch);
    render_dot(cell_to_dot(g.normal, caption), out_dir_ / "plots" / ("EP" + tag + "-normal.png"));
    render_dot(cell_to_dot(g.reduce, caption), out_dir_ / "plots" / ("EP" + tag + "-reduce.png"));
    render_dot(alpha_heatmap_dot(alpha_normal_, ops, nodes_, "normal, " + caption),
               out_dir_ / "alphas" / ("heatmap_normal_" + tag + ".png"));
    render_dot(alpha_heatmap_dot(alpha_reduce_, ops, nodes_, "reduce, " + caption),
               out_dir_ / "alphas" / ("heatmap_reduce_" + tag + ".png"));
  } catch (const Error& e) {
    if (!plots_warned_) log_->warn("darts: pictures skipped: {}", e.what());
    plots_warned_ = true;
  }
}

void DartsSearch::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive a;
  a.write("format", c10::IValue(std::string("nashost-darts-search-1")));
  a.write("options", c10::IValue(options_.json().dump()));
  a.write("epoch", at::tensor(epoch_));
  torch::serialize::OutputArchive net, w_opt, a_opt;
  net_->save(net);
  w_opt_->save(w_opt);
  a_opt_->save(a_opt);
  a.write("net", net);
  a.write("w_opt", w_opt);
  a.write("a_opt", a_opt);
  a.write("alpha_normal", alpha_normal_.detach().cpu(), /*is_buffer=*/true);
  a.write("alpha_reduce", alpha_reduce_.detach().cpu(), true);
  a.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state(), true);
  save_archive(a, file);
}

void DartsSearch::load(const std::filesystem::path& file) {
  // read_archive: a damaged entry (a tensor of the wrong shape, an RNG state of the wrong
  // size) is reported as a corrupt checkpoint naming the file, not as a LibTorch stack trace.
  read_archive(file, device_, "darts search checkpoint", [&](torch::serialize::InputArchive& a) {
    c10::IValue format, options;
    if (!a.try_read("format", format) || !format.isString() || format.toStringRef() != "nashost-darts-search-1")
      throw Error("darts: '" + file.string() + "' is not a DARTS search checkpoint");
    a.read("options", options);
    const Json saved = Json::parse(options.toStringRef());
    for (const char* key : {"channels", "layers", "nodes", "stem_multiplier", "operation_set", "order"})
      if (saved.contains(key) && saved[key] != options_.json()[key])
        throw ConfigError("darts: checkpoint '" + file.string() + "' was made with " + key + " = " + saved[key].dump() +
                          ", but this run has " + options_.json()[key].dump());
    at::Tensor epoch, an, ar, rng;
    a.read("epoch", epoch);
    torch::serialize::InputArchive net, w_opt, a_opt;
    a.read("net", net);
    a.read("w_opt", w_opt);
    a.read("a_opt", a_opt);
    net_->load(net);
    a.read("alpha_normal", an, true);
    a.read("alpha_reduce", ar, true);
    {
      at::NoGradGuard ng;
      alpha_normal_.copy_(an);
      alpha_reduce_.copy_(ar);
    }
    w_opt_->load(w_opt);
    a_opt_->load(a_opt);
    a.read("rng_cpu", rng, true);
    {
      at::Generator gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(rng.cpu());
    }
    epoch_ = epoch.item<int64_t>();
  });
  if (graph_) graph_->reset();  // the parameters and optimiser state are new tensors
}

std::vector<Genotype> DartsSearch::derive(const Config&) { return {current_genotype()}; }

Json DartsSearch::state_summary() const {
  auto matrix = [](const at::Tensor& a) {
    const at::Tensor p = at::softmax(a.detach().to(at::kCPU, at::kDouble), -1);
    Json rows = Json::array();
    for (int64_t r = 0; r < p.size(0); ++r) {
      Json row = Json::array();
      for (int64_t c = 0; c < p.size(1); ++c) row.push_back(p[r][c].item<double>());
      rows.push_back(row);
    }
    return rows;
  };
  return Json{{"epoch", epoch_},
              {"weights_sum_squares", nn::sum_of_squares(weights_)},
              {"ops", net_->operation_set().ops()},
              {"alpha_normal", matrix(alpha_normal_)},
              {"alpha_reduce", matrix(alpha_reduce_)},
              {"genotype", to_darts_text(current_genotype())}};
}

}  // namespace nas::darts
