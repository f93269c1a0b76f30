#include "gdas_search.hpp"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <nashost/archive_io.hpp>
#include <nashost/archive_read.hpp>
#include <nashost/error.hpp>
#include <nashost/genotype_formats.hpp>
#include <nashost/io.hpp>
#include <nashost/nn/derive_cell.hpp>
#include <nashost/nn/foreach_ops.hpp>
#include <nashost/nn/limits.hpp>
#include <nashost/nn/paired_epoch.hpp>
#include <nashost/nn/schedules.hpp>
#include <nashost/nn/supernet_options.hpp>

namespace gdas {

using nas::OptionType;

nas::OptionList search_options() {
  nas::OptionList o = nas::nn::supernet_search_options(64);
  o.insert(o.end(), {
                        {"epochs", OptionType::Int, 240, "search epochs"},
                        {"alpha_lr", OptionType::Float, 3e-4, "architecture: Adam learning rate"},
                        {"alpha_beta1", OptionType::Float, 0.5, "architecture: Adam beta1"},
                        {"alpha_beta2", OptionType::Float, 0.999, "architecture: Adam beta2"},
                        {"alpha_weight_decay", OptionType::Float, 1e-3, "architecture: weight decay"},
                        {"tau_max", OptionType::Float, 10.0, "Gumbel-softmax temperature of the first epoch"},
                        {"tau_min", OptionType::Float, 0.1, "temperature of the last epoch (linear in between)"},
                    });
  return o;
}

namespace {
constexpr const char* kFormat = "nashost-gdas-search-1";

std::vector<int64_t> argmax_ops(const at::Tensor& alpha) {
  const at::Tensor a = alpha.detach().argmax(-1).to(at::kCPU);
  return {a.data_ptr<int64_t>(), a.data_ptr<int64_t>() + a.numel()};
}
}  // namespace

GdasSearch::GdasSearch(const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx)
    : options_(o),
      data_(std::move(data)),
      ctx_(ctx),
      log_(ctx.logger("gdas")),
      gumbel_gen_(at::make_generator<at::CPUGeneratorImpl>(ctx.seed() + 17)) {
  if (!data_) throw nas::ConfigError("gdas: a dataset is required");
  nas::nn::SearchNetworkOptions so = nas::nn::supernet_from_options(o, data_->info(), "gdas");
  epochs_ = o.get_int_in("epochs", 1, 100000);
  max_steps_ = o.get_int_in("max_steps_per_epoch", 0, 1 << 30);
  max_eval_batches_ = o.get_int_in("max_eval_batches", 0, 1 << 30);
  w_lr_ = o.get_float("w_lr");
  w_lr_min_ = o.get_float("w_lr_min");
  grad_clip_ = o.get_float("w_grad_clip");
  tau_max_ = o.get_float("tau_max");
  tau_min_ = o.get_float("tau_min");
  if (!(tau_min_ > 0) || tau_max_ < tau_min_)
    throw nas::ConfigError("gdas: " + o.full_key("tau_min") + " must be positive and at most " + o.full_key("tau_max"));

  auto ops = ctx.operation_set(o.get_string("operation_set"));
  if (!ops) throw nas::ConfigError("gdas: operation set '" + o.get_string("operation_set") + "' is not available");
  nodes_ = so.nodes;
  const auto device = ctx.device();
  torch::manual_seed(ctx.seed());
  net_ = nas::nn::DartsSearchNetwork(so, ops);
  net_->to(device);
  const int64_t e = net_->num_edges(), n_ops = net_->num_ops();
  // the reference's initialisation: 1e-3 · N(0, 1)
  alpha_normal_ = (1e-3 * at::randn({e, n_ops})).to(device).requires_grad_(true);
  alpha_reduce_ = (1e-3 * at::randn({e, n_ops})).to(device).requires_grad_(true);
  weights_ = net_->parameters();
  w_opt_ = std::make_unique<torch::optim::SGD>(
      weights_,
      torch::optim::SGDOptions(w_lr_).momentum(o.get_float("w_momentum")).weight_decay(o.get_float("w_weight_decay")));
  a_opt_ = std::make_unique<torch::optim::Adam>(std::vector<at::Tensor>{alpha_normal_, alpha_reduce_},
                                                torch::optim::AdamOptions(o.get_float("alpha_lr"))
                                                    .betas({o.get_float("alpha_beta1"), o.get_float("alpha_beta2")})
                                                    .weight_decay(o.get_float("alpha_weight_decay")));
  nas::LoaderOptions lo = nas::LoaderOptions::for_training(o, ctx.seed(), device);
  train_loader_ = data_->loader(nas::Split::Train, lo);
  lo.seed = ctx.seed() + 1;
  valid_loader_ = data_->loader(nas::Split::Valid, lo);
  eval_loader_ = data_->loader(nas::Split::Valid, lo.for_evaluation());
  log_->info("gdas: supernet {} params, {} edges x {} ops per cell; tau {} -> {} over {} epochs",
             nas::count_parameters(*net_), e, n_ops, tau_max_, tau_min_, epochs_);
}

at::Tensor GdasSearch::forward(const at::Tensor& x, const HardSample& normal, const HardSample& reduce) {
  return net_->forward_edges(
      x, [&](int64_t, bool reduction, int64_t edge, nas::nn::MixedOpImpl& op, const at::Tensor& in) {
        const HardSample& s = reduction ? reduce : normal;
        return gdas_edge(op, in, s.weights[edge], s.index[static_cast<size_t>(edge)]);
      });
}

double GdasSearch::step(const nas::Batch& train, const nas::Batch& valid, double lr, double tau, double& correct) {
  net_->train();
  // 1. weights, on the training batch
  for (auto& g : w_opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  w_opt_->zero_grad();
  const HardSample n = sample_hard(alpha_normal_.detach(), tau, gumbel_gen_);
  const HardSample r = sample_hard(alpha_reduce_.detach(), tau, gumbel_gen_);
  const at::Tensor logits = forward(train.input, n, r);
  const at::Tensor loss = at::cross_entropy_loss(logits, train.target);
  const double l = loss.item<double>();
  if (!std::isfinite(l)) throw nas::NumericError("gdas: training loss is " + std::to_string(l) + "; lower w_lr");
  loss.backward();
  nas::nn::clip_grad_norm(weights_, grad_clip_);
  nas::nn::sgd_step(*w_opt_);
  correct += logits.argmax(1).eq(train.target).sum().item<double>();
  // 2. architecture, on the validation batch, with a draw of its own
  const HardSample nv = sample_hard(alpha_normal_, tau, gumbel_gen_);
  const HardSample rv = sample_hard(alpha_reduce_, tau, gumbel_gen_);
  const at::Tensor valid_loss = at::cross_entropy_loss(forward(valid.input, nv, rv), valid.target);
  if (!std::isfinite(valid_loss.item<double>()))
    throw nas::NumericError("gdas: validation loss is not finite; lower alpha_lr");
  const auto grads = torch::autograd::grad({valid_loss}, {alpha_normal_, alpha_reduce_});
  a_opt_->zero_grad();
  alpha_normal_.mutable_grad() = grads[0];
  alpha_reduce_.mutable_grad() = grads[1];
  a_opt_->step();
  return l;
}

nas::Metrics GdasSearch::run_epoch() {
  if (epoch_ >= epochs_) throw nas::Error("gdas: all " + std::to_string(epochs_) + " epochs are done");
  const double lr = nas::nn::cosine_lr(w_lr_, w_lr_min_, epoch_, epochs_);
  const double tau = tau_at(epoch_, epochs_, tau_max_, tau_min_);
  const nas::nn::PairedEpochResult trained =
      nas::nn::run_paired_epoch(ctx_, *train_loader_, *valid_loader_, epoch_, epochs_, max_steps_, "gdas",
                                [&](const nas::Batch& train, const nas::Batch& valid, double& correct) {
                                  return step(train, valid, lr, tau, correct);
                                });
  // The architecture α prefers now: every edge's argmax op (none included), on validation data.
  double valid_correct = 0, valid_seen = 0, valid_loss = 0;
  {
    const at::NoGradGuard no_grad;
    net_->eval();
    eval_loader_->start_epoch(epoch_);
    const auto normal = argmax_ops(alpha_normal_), reduce = argmax_ops(alpha_reduce_);
    int64_t n = 0;
    while (auto b = eval_loader_->next()) {
      const at::Tensor logits = net_->forward_discrete(b->input, normal, reduce);
      valid_loss += at::cross_entropy_loss(logits, b->target, {}, at::Reduction::Sum).item<double>();
      valid_correct += logits.argmax(1).eq(b->target).sum().item<double>();
      valid_seen += static_cast<double>(b->target.size(0));
      if (max_eval_batches_ > 0 && ++n >= max_eval_batches_) break;
    }
    net_->train();
  }
  ++epoch_;
  nas::Metrics m = {{"train_loss", trained.mean_loss},
                    {"train_accuracy", trained.accuracy},
                    {"valid_accuracy_argmax", valid_seen > 0 ? valid_correct / valid_seen : 0.0},
                    {"valid_loss_argmax", valid_seen > 0 ? valid_loss / valid_seen : 0.0},
                    {"lr", lr},
                    {"tau", tau}};
  const nas::Genotype g = derive(nas::Config(nas::Json::object())).front();
  log_->info("epoch {}/{}: tau {:.3f}, train loss {:.4f} acc {:.4f}, argmax architecture's valid acc {:.4f}; {}",
             epoch_, epochs_, tau, m["train_loss"], m["train_accuracy"], m["valid_accuracy_argmax"],
             nas::to_darts_text(g));
  ctx_.metrics().text("gdas/genotype", nas::to_darts_text(g), epoch_);
  return m;
}

std::vector<nas::Genotype> GdasSearch::derive(const nas::Config&) {
  const auto& ops = net_->operation_set().ops();
  nas::Genotype g;
  g.space = "darts";
  g.normal = nas::nn::derive_cell(alpha_normal_.detach().to(at::kCPU), ops, nodes_);
  g.reduce = nas::nn::derive_cell(alpha_reduce_.detach().to(at::kCPU), ops, nodes_);
  g.meta = {{"strategy", "gdas"},
            {"epoch", epoch_},
            {"seed", ctx_.seed()},
            {"dataset", data_->info().name},
            {"tau", tau_at(std::max<int64_t>(epoch_ - 1, 0), epochs_, tau_max_, tau_min_)}};
  return {g};
}

nas::Json GdasSearch::state_summary() const {
  return {{"epoch", epoch_}, {"epochs", epochs_}, {"tau", tau_at(epoch_, epochs_, tau_max_, tau_min_)}};
}

void GdasSearch::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive a;
  a.write("format", c10::IValue(std::string(kFormat)));
  a.write("options", c10::IValue(options_.json().dump()));
  a.write("epoch", at::tensor(epoch_));
  a.write("alpha_normal", alpha_normal_.detach(), true);
  a.write("alpha_reduce", alpha_reduce_.detach(), true);
  a.write("gumbel_rng", gumbel_gen_.get_state(), true);
  torch::serialize::OutputArchive net, w_opt, a_opt;
  net_->save(net);
  w_opt_->save(w_opt);
  a_opt_->save(a_opt);
  a.write("net", net);
  a.write("w_opt", w_opt);
  a.write("a_opt", a_opt);
  nas::save_archive(a, file);
}

void GdasSearch::load(const std::filesystem::path& file) {
  nas::read_archive(file, ctx_.device(), "gdas search checkpoint", [&](torch::serialize::InputArchive& a) {
    c10::IValue format, options;
    if (!a.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
      throw nas::Error("gdas: '" + file.string() + "' is not a gdas search checkpoint");
    a.read("options", options);
    const nas::Json saved = nas::Json::parse(options.toStringRef());
    nas::nn::check_checkpoint_shape(saved, options_, file, "gdas");
    at::Tensor epoch, an, ar, rng;
    a.read("epoch", epoch);
    a.read("alpha_normal", an, true);
    a.read("alpha_reduce", ar, true);
    a.read("gumbel_rng", rng, true);
    torch::serialize::InputArchive net, w_opt, a_opt;
    a.read("net", net);
    a.read("w_opt", w_opt);
    a.read("a_opt", a_opt);
    net_->load(net);
    {
      const at::NoGradGuard no_grad;
      alpha_normal_.copy_(an);
      alpha_reduce_.copy_(ar);
    }
    w_opt_->load(w_opt);
    a_opt_->load(a_opt);
    gumbel_gen_.set_state(rng.to(at::kCPU));
    epoch_ = epoch.item<int64_t>();
  });
}

}  // namespace gdas
