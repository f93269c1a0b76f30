#include "darts_cc_strategy.hpp"

#include <chrono>
#include <cmath>
#include <sstream>

#include <ATen/ATen.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include <torch/utils.h>

#include "derive_rules.hpp"
#include "gumbel.hpp"
#include "nashost/archive_io.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/nn/bilevel.hpp"
#include "nashost/nn/data_wait.hpp"

namespace nas::darts_cc {
namespace {

std::vector<at::Tensor> all_buffers(torch::nn::Module& m) {
  std::vector<at::Tensor> out;
  for (const auto& b : m.buffers()) out.push_back(b);
  return out;
}

void check_finite(double v, const std::string& what, int64_t epoch, int64_t step) {
  if (!std::isfinite(v))
    throw NumericError("darts-cc: " + what + " is " + std::to_string(v) + " at epoch " + std::to_string(epoch) +
                       ", step " + std::to_string(step) + "; lower w_lr/alpha_lr or the lambda range");
}

}  // namespace

DartsCCStrategy::DartsCCStrategy(const Config& options, std::shared_ptr<Dataset> data, HostContext& ctx)
    : settings_(parse_search_settings(options)),
      data_(std::move(data)),
      ctx_(ctx),
      log_(ctx.logger("darts-cc")),
      range_(settings_.log10_lambda_min, settings_.log10_lambda_max) {
  if (!data_) throw ConfigError("darts-cc: no dataset given");
  check_dataset(data_->info(), settings_.net, "darts-cc");
  ops_ = ctx.operation_set(settings_.net.ops);
  if (!ops_) throw ConfigError("darts-cc: operation set '" + settings_.net.ops + "' is not available");
  if (!ops_->contains("none"))
    log_->warn("operation set '{}' has no 'none' op: derived cells keep every edge", settings_.net.ops);

  torch::manual_seed(ctx.seed());
  model_ = DartsCCModel(settings_.net.for_data(data_->info()), range_, ops_);
  model_->to(ctx.device());
  weights_ = model_->weight_parameters();
  arch_ = model_->arch_parameters();
  buffers_ = all_buffers(*model_);
  parallel_ = nn::DataParallel(static_cast<int>(settings_.micro_batches));
  parallel_.check_batch_size(settings_.batch_size, "darts-cc: batch_size");
  if (settings_.cuda_graph) {
    if (parallel_.active())
      throw ConfigError(
          "darts-cc: cuda_graph captures a one-process step: it needs one rank and micro_batches = 1 "
          "(this run has " +
          std::to_string(parallel_.total_shards()) + " shards)");
    graph_ = std::make_unique<nn::StepGraph>("darts-cc search step");
    if (!ctx.device().is_cuda()) log_->info("darts-cc: cuda_graph on the CPU: the graph-safe step runs uncaptured");
  }
  w_opt_ = std::make_unique<torch::optim::SGD>(
      weights_,
      torch::optim::SGDOptions(settings_.w_lr).momentum(settings_.w_momentum).weight_decay(settings_.w_weight_decay));
  auto adam = [&](double lr) {
    return std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(lr)
                                                           .betas({settings_.alpha_beta1, settings_.alpha_beta2})
                                                           .weight_decay(settings_.alpha_weight_decay));
  };
  // Knots and pivots: one Adam, two groups (same lr unless pivot_lr_scale ≠ 1).
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model_->arch_knots(), adam(settings_.alpha_lr));
  groups.emplace_back(model_->arch_pivots(), adam(settings_.alpha_lr * settings_.pivot_lr_scale));
  a_opt_ = std::make_unique<torch::optim::Adam>(std::move(groups), *adam(settings_.alpha_lr));

  LoaderOptions lo;
  lo.batch_size = settings_.batch_size;
  lo.shuffle = true;
  lo.augment = settings_.augment;
  lo.cutout = settings_.cutout;
  lo.drop_last = true;  // every step pairs two full batches
  lo.seed = ctx.seed();
  lo.device = ctx.device();
  lo.workers = settings_.workers;
  train_ = data_->loader(Split::Train, lo);
  lo.seed = ctx.seed() + 1;  // the validation half gets its own order
  valid_ = data_->loader(Split::Valid, lo);
  if (std::min(train_->batches_per_epoch(), valid_->batches_per_epoch()) < 1)
    throw ConfigError("darts-cc: dataset '" + data_->info().name +
                      "' has fewer train or valid examples than one batch (" + std::to_string(settings_.batch_size) +
                      "); lower batch_size or use more data");
  log_->info(
      "darts-cc: {} parameters in the supernet + head, {} in the hypernetworks, lambda 1e{}..1e{} ({} knots), "
      "{} order",
      count_parameters(*model_->net) + count_parameters(*model_->head), count_parameters(*model_->hyper_normal) * 2,
      range_.log10_min(), range_.log10_max(), range_.knots(), settings_.order == 2 ? "second" : "first");
}

double DartsCCStrategy::temperature(int64_t epoch) const {
  return temperature_at(settings_.initial_temp, settings_.temp_delta, epoch);
}

DartsCCStrategy::StepStats DartsCCStrategy::step(const Batch& trn, const Batch& val, const LambdaSample& lam, double t,
                                                 double lr) {
  if (graph_) return graph_step(trn, val, lam, t, lr);
  model_->train();
  // Architecture step (first, as in pt.darts): validation CE + λ · expected #params.
  nn::BilevelProblem problem;
  problem.weights = weights_;
  problem.arch = arch_;
  problem.train_loss = [&] {
    return at::cross_entropy_loss(model_->forward(trn.input, lam.lambda_tilde, t, settings_.sampling), trn.target);
  };
  double arch_ce = 0, penalty = 0;
  problem.valid_loss = [&] {
    const at::Tensor ce =
        at::cross_entropy_loss(model_->forward(val.input, lam.lambda_tilde, t, settings_.sampling), val.target);
    const at::Tensor pen = lam.lambda * model_->expected_params(lam.lambda_tilde);
    arch_ce = ce.item<double>();
    penalty = pen.item<double>();
    return ce + pen;
  };
  // Data-parallel: the same losses per shard (the penalty depends on the hypernetworks only,
  // so the shard mean of CE + penalty is the mean CE + penalty).
  double shard_ce_sum = 0;
  int shard_ce_count = 0;
  problem.parallel = &parallel_;
  problem.train_shard_loss = [&](int k) {
    const Batch b = parallel_.shard(trn, k);
    return at::cross_entropy_loss(model_->forward(b.input, lam.lambda_tilde, t, settings_.sampling), b.target);
  };
  problem.valid_shard_loss = [&](int k) {
    const Batch b = parallel_.shard(val, k);
    const at::Tensor ce =
        at::cross_entropy_loss(model_->forward(b.input, lam.lambda_tilde, t, settings_.sampling), b.target);
    const at::Tensor pen = lam.lambda * model_->expected_params(lam.lambda_tilde);
    shard_ce_sum += ce.item<double>();
    ++shard_ce_count;
    penalty = pen.item<double>();
    return ce + pen;
  };
  problem.momentum = nn::sgd_momentum_buffers(*w_opt_, weights_);
  problem.buffers = buffers_;
  nn::BilevelOptions bo;
  bo.second_order = settings_.order == 2;
  bo.where = "epoch " + std::to_string(epoch_) + ", step " + std::to_string(global_step_);
  bo.xi = lr;
  bo.momentum = settings_.w_momentum;
  bo.weight_decay = settings_.w_weight_decay;
  const auto result = nn::architecture_gradient(problem, bo);
  for (size_t i = 0; i < arch_.size(); ++i) arch_[i].mutable_grad() = result.arch_grad[i].detach().clone();
  nn::adam_step(*a_opt_);
  if (shard_ce_count > 0) arch_ce = shard_ce_sum / shard_ce_count;  // this rank's shards

  // Weight step: train CE at the same λ, fresh Gumbel noise; α is not updated here.
  // Every weight gets a gradient in every step: weights and gradients in one buffer each
  // (the clipping and the SGD step are then one op on it; nashost/nn/foreach_ops.hpp).
  nn::zero_flat_grads(weights_);
  std::vector<at::Tensor> logits;
  const double l = parallel_.backward(
      [&](int k) {
        const Batch b = parallel_.shard(trn, k);
        logits.push_back(model_->forward(b.input, lam.lambda_tilde, t, settings_.sampling));
        return at::cross_entropy_loss(logits.back(), b.target);
      },
      weights_);
  check_finite(l, "the training loss", epoch_, global_step_);
  nn::clip_grad_norm(weights_, settings_.w_grad_clip);
  nn::sgd_step(*w_opt_);
  for (auto& a : arch_) a.mutable_grad() = at::Tensor();                // the weight step's α gradients are unused
  if (parallel_.world_size() > 1) parallel_.sync_from_rank0(buffers_);  // BN statistics: rank 0's, as DDP
  check_finite(arch_ce, "the validation loss", epoch_, global_step_);
  const at::Tensor local_target = parallel_.local_rows(trn).target;
  const at::Tensor local_logits = logits.size() == 1 ? logits.front() : at::cat(logits);
  return {l, local_logits.argmax(1).eq(local_target).sum().item<double>(), arch_ce, penalty,
          static_cast<double>(local_target.size(0))};
}

DartsCCStrategy::StepStats DartsCCStrategy::graph_step(const Batch& trn, const Batch& val, const LambdaSample& lam,
                                                       double t, double lr) {
  const at::Device device = ctx_.device();
  const auto real = at::TensorOptions().device(device).dtype(at::kDouble);
  const std::vector<at::Tensor> inputs{
      trn.input.to(device),
      trn.target.to(device),
      val.input.to(device),
      val.target.to(device),
      at::scalar_tensor(lam.lambda, real.dtype(weights_.front().scalar_type())),  // as the number λ enters
      at::scalar_tensor(lam.lambda_tilde, real),  // double: the segment look-up's arithmetic
      at::scalar_tensor(t, real.dtype(weights_.front().scalar_type())),
      at::scalar_tensor(lr, real.dtype(weights_.front().scalar_type())),
      at::scalar_tensor(static_cast<double>(nn::next_adam_step(*a_opt_)), real.dtype(at::kFloat))};
  const std::vector<at::Tensor> out = graph_->run(inputs, [this](const auto& in) { return graph_body(in); });
  if (graph_->replayed()) nn::count_adam_step(*a_opt_);  // what adam_step's host code does
  std::vector<nn::PendingLoss> losses;                   // in the order of the passes: the first bad one is named
  for (size_t i = 4; i < out.size(); ++i) losses.emplace_back(graph_loss_names_.at(i - 4), out[i]);
  losses.emplace_back("the weight step's training loss", out[0]);
  nn::check_finite_losses(losses,
                          "darts-cc epoch " + std::to_string(epoch_) + ", step " + std::to_string(global_step_));
  const at::Tensor stats =
      at::stack({out[0].to(at::kDouble), out[1].to(at::kDouble), out[2].to(at::kDouble), out[3].to(at::kDouble)}).cpu();
  const double* v = stats.data_ptr<double>();
  return {v[0], v[1], v[2], v[3], static_cast<double>(trn.target.size(0))};
}

std::vector<at::Tensor> DartsCCStrategy::graph_body(const std::vector<at::Tensor>& in) {
  model_->train();
  const Batch trn{in[0], in[1]}, val{in[2], in[3]};
  const at::Tensor &lambda = in[4], &lambda_tilde = in[5], &t = in[6], &lr = in[7], &adam_step_number = in[8];
  // Architecture step, as step(): validation CE + λ · expected #params.
  nn::BilevelProblem problem;
  problem.weights = weights_;
  problem.arch = arch_;
  problem.train_loss = [&] {
    return at::cross_entropy_loss(model_->forward(trn.input, lambda_tilde, t, settings_.sampling), trn.target);
  };
  at::Tensor arch_ce, penalty;
  problem.valid_loss = [&] {
    arch_ce = at::cross_entropy_loss(model_->forward(val.input, lambda_tilde, t, settings_.sampling), val.target);
    penalty = lambda * model_->expected_params(lambda_tilde);
    return arch_ce + penalty;
  };
  problem.momentum = nn::sgd_momentum_buffers(*w_opt_, weights_);
  problem.buffers = buffers_;
  nn::BilevelOptions bo;
  bo.second_order = settings_.order == 2;
  bo.xi_tensor = lr;
  bo.momentum = settings_.w_momentum;
  bo.weight_decay = settings_.w_weight_decay;
  const auto result = nn::architecture_gradient(problem, bo);
  for (size_t i = 0; i < arch_.size(); ++i) arch_[i].mutable_grad() = result.arch_grad[i].detach().clone();
  nn::adam_step(*a_opt_, adam_step_number);

  // Weight step: train CE at the same λ, fresh Gumbel noise; α is not updated here.
  nn::zero_flat_grads(weights_);
  const at::Tensor logits = model_->forward(trn.input, lambda_tilde, t, settings_.sampling);
  const at::Tensor loss = at::cross_entropy_loss(logits, trn.target);
  loss.backward();
  nn::clip_grad_norm(weights_, settings_.w_grad_clip);
  nn::sgd_step(*w_opt_, lr);
  for (auto& a : arch_) a.mutable_grad() = at::Tensor();  // the weight step's α gradients are unused
  std::vector<at::Tensor> outputs{loss.detach(), logits.argmax(1).eq(trn.target).sum(), arch_ce.detach(),
                                  penalty.detach()};
  graph_loss_names_.clear();
  for (const auto& [what, value] : result.pending_losses) {
    graph_loss_names_.push_back(what);
    outputs.push_back(value);
  }
  return outputs;
}

double DartsCCStrategy::valid_accuracy_at_zero(double t) {
  // As the authors: the model without λ means λ̃ = 0, Gumbel sampling still active.
  at::NoGradGuard no_grad;
  model_->eval();
  valid_->start_epoch(epoch_);
  double correct = 0, seen = 0;
  int64_t batches = 0;
  while (auto b = valid_->next()) {
    const at::Tensor logits = model_->forward(b->input, 0.0, t, settings_.sampling);
    correct += logits.argmax(1).eq(b->target).sum().item<double>();
    seen += static_cast<double>(b->target.size(0));
    if (settings_.max_eval_batches > 0 && ++batches >= settings_.max_eval_batches) break;
  }
  model_->train();
  return seen > 0 ? correct / seen : 0.0;
}

Metrics DartsCCStrategy::run_epoch() {
  if (epoch_ >= settings_.epochs) throw Error("darts-cc: all " + std::to_string(settings_.epochs) + " epochs are done");
  const auto start = std::chrono::steady_clock::now();
  const at::AutoGradMode grad_mode(true);  // callers may hold a NoGradGuard
  // Per-epoch reseeding (as the authors) makes a resumed run draw the same noise.
  torch::manual_seed(ctx_.seed() + static_cast<uint64_t>(epoch_));
  std::mt19937_64 lambda_rng(ctx_.seed() * 1000003ULL + static_cast<uint64_t>(epoch_));
  const double t = temperature(epoch_);
  const double lr = cosine_lr(settings_.w_lr, settings_.w_lr_min, epoch_, settings_.epochs);
  for (auto& group : w_opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);

  train_->start_epoch(epoch_);
  valid_->start_epoch(epoch_);
  int64_t steps = std::min(train_->batches_per_epoch(), valid_->batches_per_epoch());
  if (settings_.batches_per_epoch > 0) steps = std::min(steps, settings_.batches_per_epoch);
  auto progress =
      ctx_.progress("darts-cc epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(settings_.epochs), steps);
  double sum_loss = 0, sum_correct = 0, sum_seen = 0, sum_arch = 0, sum_pen = 0;
  int64_t done = 0;
  nn::DataWait data_wait;
  data_wait.start_epoch();
  for (; done < steps; ++done) {
    if (ctx_.stop_requested()) throw Interrupted("stopped on request");  // no partial epoch
    auto trn = data_wait.next(*train_);
    auto val = data_wait.next(*valid_);
    if (!trn || !val) break;
    const LambdaSample lam = range_.sample(lambda_rng);
    const StepStats s = step(*trn, *val, lam, t, lr);
    sum_loss += s.train_loss;
    sum_correct += s.train_correct;
    sum_seen += s.seen;
    sum_arch += s.arch_loss;
    sum_pen += s.penalty;
    ctx_.metrics().scalar("darts-cc/step/train_loss", s.train_loss, global_step_);
    ctx_.metrics().scalar("darts-cc/step/arch_loss", s.arch_loss, global_step_);
    ctx_.metrics().scalar("darts-cc/step/log10_lambda", std::log10(lam.lambda), global_step_);
    ++global_step_;
    progress->advance();
    std::ostringstream status;
    status.precision(3);
    status << "loss " << sum_loss / static_cast<double>(done + 1) << " acc " << sum_correct / sum_seen;
    progress->set_status(status.str());
  }
  progress->finish();
  if (done < steps) {
    log_->warn("darts-cc: stopped during epoch {}; it will be repeated on resume", epoch_ + 1);
    return {{"interrupted", 1.0}};
  }
  const double n = static_cast<double>(std::max<int64_t>(done, 1));
  Metrics m{{"train_loss", sum_loss / n},
            {"train_accuracy", sum_seen > 0 ? sum_correct / sum_seen : 0.0},
            {"arch_loss", sum_arch / n},
            {"penalty", sum_pen / n},
            {"temperature", t},
            {"lr", lr},
            {"data_wait_share", data_wait.share()}};
  if (parallel_.world_size() > 1) {
    // The ranks must hold the same search after every step: checked once per epoch.
    std::vector<at::Tensor> state = weights_;
    state.insert(state.end(), arch_.begin(), arch_.end());
    m["ranks_divergence"] = parallel_.max_divergence(state);
    if (m["ranks_divergence"] > 1e-5)
      log_->warn("darts-cc: the ranks' parameters differ by up to {} after epoch {}", m["ranks_divergence"],
                 epoch_ + 1);
  }
  m["valid_accuracy"] = valid_accuracy_at_zero(t);
  {
    at::NoGradGuard no_grad;
    m["expected_params_l0"] = model_->expected_params(0.0).item<double>();
    m["expected_params_l05"] = model_->expected_params(0.5).item<double>();
    m["expected_params_l1"] = model_->expected_params(1.0).item<double>();
  }
  m["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++epoch_;
  log_->info(
      "darts-cc epoch {}/{}: train loss {:.4f} acc {:.4f}, valid acc (lambda~=0) {:.4f}, E[params] "
      "{:.0f} / {:.0f} / {:.0f} at lambda~ 0 / 0.5 / 1, {:.1f} s",
      epoch_, settings_.epochs, m["train_loss"], m["train_accuracy"], m["valid_accuracy"], m["expected_params_l0"],
      m["expected_params_l05"], m["expected_params_l1"], m["seconds"]);
  return m;
}

std::string DartsCCStrategy::fingerprint() const {
  const auto& n = settings_.net;
  std::ostringstream s;
  s << "darts-cc/1 ops=" << n.ops << " layers=" << n.layers << " channels=" << n.channels << " nodes=" << n.nodes
    << " stem=" << n.stem_multiplier << " knots=" << range_.knots() << " inputs=" << data_->info().input_shape.at(0)
    << " outputs=" << data_->info().num_outputs;
  return s.str();
}

void DartsCCStrategy::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive archive;
  archive.write("fingerprint", c10::IValue(fingerprint()));
  archive.write("epoch", at::tensor({epoch_, global_step_}, at::kLong));
  torch::serialize::OutputArchive model_archive, w_archive, a_archive;
  model_->save(model_archive);
  w_opt_->save(w_archive);
  a_opt_->save(a_archive);
  archive.write("model", model_archive);
  archive.write("w_optimizer", w_archive);
  archive.write("alpha_optimizer", a_archive);
  save_archive(archive, file);
}

void DartsCCStrategy::load(const std::filesystem::path& file) {
  // read_archive: a damaged entry is reported as a corrupt checkpoint naming the file, not
  // as a LibTorch stack trace.
  try {
    read_archive(file, ctx_.device(), "darts-cc search checkpoint", [&](torch::serialize::InputArchive& archive) {
      c10::IValue fp;
      archive.read("fingerprint", fp);
      if (!fp.isString() || fp.toStringRef() != fingerprint())
        throw Error("it was written by a different configuration (" +
                    (fp.isString() ? fp.toStringRef() : std::string("?")) + " vs " + fingerprint() + ")");
      at::Tensor ep;
      archive.read("epoch", ep);
      torch::serialize::InputArchive model_archive, w_archive, a_archive;
      archive.read("model", model_archive);
      archive.read("w_optimizer", w_archive);
      archive.read("alpha_optimizer", a_archive);
      model_->load(model_archive);
      w_opt_->load(w_archive);
      a_opt_->load(a_archive);
      epoch_ = ep[0].item<int64_t>();
      global_step_ = ep[1].item<int64_t>();
    });
    if (graph_) graph_->reset();  // the parameters and optimiser state are new tensors
  } catch (const Error& e) {
    throw Error("cannot resume darts-cc from '" + file.string() + "': " + e.what());
  }
}

std::vector<Genotype> DartsCCStrategy::derive(const Config& args) {
  const Config a = Config::validated(args.json(), derive_options(), args.path().empty() ? "derive" : args.path());
  const double lt = a.get_float("lambda");
  check_lambda_tilde(lt, a.full_key("lambda"));
  const DeriveRule rule = parse_derive_rule(a.get_string("rule"), a.full_key("rule"));
  at::NoGradGuard no_grad;
  auto [an, ar] = model_->alphas(lt);
  Genotype g;
  g.space = "darts";
  g.normal = derive_cell(an, model_->op_names(), settings_.net.nodes, rule);
  g.reduce = derive_cell(ar, model_->op_names(), settings_.net.nodes, rule);
  const double log10_lambda = range_.log10_min() + lt * (range_.log10_max() - range_.log10_min());
  g.meta = Json{{"strategy", "darts-cc"},
                {"lambda_tilde", lt},
                {"log10_lambda", log10_lambda},
                {"rule", derive_rule_name(rule)},
                {"epoch", epoch_},
                {"seed", ctx_.seed()},
                {"expected_params", model_->expected_params(lt).item<double>()}};
  if (ops_->contains("none")) g.meta["darts_cc_json"] = to_darts_cc_json(g);
  return {g};
}

Json DartsCCStrategy::state_summary() const {
  at::NoGradGuard no_grad;
  Json expected = Json::object();
  for (double lt : {0.0, 0.25, 0.5, 0.75, 1.0})
    expected[std::to_string(lt).substr(0, 4)] = model_->expected_params(lt).item<double>();
  auto pivots = [](const CellHypernet& h) {
    Json p = Json::array();
    for (int64_t i = 0; i < h->nodes(); ++i) {
      const at::Tensor t = h->block(i)->pivots().detach().to(at::kCPU, at::kDouble).contiguous();
      p.push_back(std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel()));
    }
    return p;
  };
  return Json{{"epoch", epoch_},
              {"weights_sum_squares", nn::sum_of_squares(weights_)},
              {"total_epochs", settings_.epochs},
              {"temperature", temperature(std::min(epoch_, settings_.epochs - 1))},
              {"log10_lambda_min", range_.log10_min()},
              {"log10_lambda_max", range_.log10_max()},
              {"expected_params", expected},
              {"pivots_normal", pivots(model_->hyper_normal)},
              {"pivots_reduce", pivots(model_->hyper_reduce)}};
}

}  // namespace nas::darts_cc
