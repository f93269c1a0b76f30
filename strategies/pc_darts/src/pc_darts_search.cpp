#include "pc_darts_search.hpp"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <nashost/archive_io.hpp>
#include <nashost/archive_read.hpp>
#include <nashost/error.hpp>
#include <nashost/genotype_formats.hpp>
#include <nashost/nn/bilevel.hpp>
#include <nashost/nn/derive_cell.hpp>
#include <nashost/nn/foreach_ops.hpp>
#include <nashost/nn/limits.hpp>
#include <nashost/nn/paired_epoch.hpp>
#include <nashost/nn/schedules.hpp>
#include <nashost/nn/supernet_options.hpp>

#include "partial_channels.hpp"

namespace pc_darts {

using nas::OptionType;

nas::OptionList search_options() {
  // the paper's CIFAR-10 search: batch 256, SGD lr 0.1 cosine to 0
  nas::OptionList o = nas::nn::supernet_search_options(256, {.lr = 0.1, .lr_min = 0.0});
  o.insert(o.end(),
           {
               {"partial_channels", OptionType::Int, 4, "K: 1/K of each edge's channels go through its ops"},
               {"epochs", OptionType::Int, 50, "search epochs"},
               {"warmup_epochs", OptionType::Int, 15, "first epochs train the weights only (no architecture steps)"},
               {"alpha_lr", OptionType::Float, 6e-4, "architecture (alpha and beta): Adam learning rate"},
               {"alpha_beta1", OptionType::Float, 0.5, "architecture: Adam beta1"},
               {"alpha_beta2", OptionType::Float, 0.999, "architecture: Adam beta2"},
               {"alpha_weight_decay", OptionType::Float, 1e-3, "architecture: weight decay"},
           });
  return o;
}

namespace {
constexpr const char* kFormat = "nashost-pc-darts-search-1";
constexpr const char* kArchNames[] = {"alpha_normal", "alpha_reduce", "beta_normal", "beta_reduce"};
}  // namespace

PcDartsSearch::PcDartsSearch(const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx)
    : options_(o), data_(std::move(data)), ctx_(ctx), log_(ctx.logger("pc-darts")) {
  if (!data_) throw nas::ConfigError("pc-darts: a dataset is required");
  nas::nn::SearchNetworkOptions so = nas::nn::supernet_from_options(o, data_->info(), "pc-darts");
  epochs_ = o.get_int_in("epochs", 1, 100000);
  warmup_ = o.get_int_in("warmup_epochs", 0, 100000);
  max_steps_ = o.get_int_in("max_steps_per_epoch", 0, 1 << 30);
  max_eval_batches_ = o.get_int_in("max_eval_batches", 0, 1 << 30);
  w_lr_ = o.get_float("w_lr");
  w_lr_min_ = o.get_float("w_lr_min");
  grad_clip_ = o.get_float("w_grad_clip");

  auto ops = ctx.operation_set(o.get_string("operation_set"));
  if (!ops) throw nas::ConfigError("pc-darts: operation set '" + o.get_string("operation_set") + "' is not available");
  nodes_ = so.nodes;
  so.partial_channels = k_ = o.get_int_in("partial_channels", 1, 64);
  if (so.channels % k_ != 0)
    throw nas::ConfigError("pc-darts: " + o.full_key("channels") + " (" + std::to_string(so.channels) +
                           ") must be divisible by " + o.full_key("partial_channels") + " (" + std::to_string(k_) +
                           ")");
  const auto device = ctx.device();
  torch::manual_seed(ctx.seed());
  net_ = nas::nn::DartsSearchNetwork(so, ops);
  net_->to(device);
  const int64_t e = net_->num_edges(), n_ops = net_->num_ops();
  // the reference's initialisation: 1e-3 · N(0, 1) for α and β
  for (const auto& shape : {std::vector<int64_t>{e, n_ops}, {e, n_ops}, {e}, {e}})
    arch_.push_back((1e-3 * at::randn(shape)).to(device).requires_grad_(true));
  weights_ = net_->parameters();
  w_opt_ = std::make_unique<torch::optim::SGD>(
      weights_,
      torch::optim::SGDOptions(w_lr_).momentum(o.get_float("w_momentum")).weight_decay(o.get_float("w_weight_decay")));
  a_opt_ =
      std::make_unique<torch::optim::Adam>(arch_, torch::optim::AdamOptions(o.get_float("alpha_lr"))
                                                      .betas({o.get_float("alpha_beta1"), o.get_float("alpha_beta2")})
                                                      .weight_decay(o.get_float("alpha_weight_decay")));
  nas::LoaderOptions lo = nas::LoaderOptions::for_training(o, ctx.seed(), device);
  train_loader_ = data_->loader(nas::Split::Train, lo);
  lo.seed = ctx.seed() + 1;
  valid_loader_ = data_->loader(nas::Split::Valid, lo);
  eval_loader_ = data_->loader(nas::Split::Valid, lo.for_evaluation());
  log_->info(
      "pc-darts: supernet {} params (edges at 1/{} of the channels), {} edges x {} ops per cell; {} warm-up "
      "epochs of {}",
      nas::count_parameters(*net_), k_, e, n_ops, warmup_, epochs_);
}

at::Tensor PcDartsSearch::forward(const at::Tensor& x, bool detach_arch) {
  auto arch = [&](size_t i) { return detach_arch ? arch_[i].detach() : arch_[i]; };
  const at::Tensor wn = at::softmax(arch(0), -1), wr = at::softmax(arch(1), -1);
  const at::Tensor bn = normalized_edge_weights(arch(2), nodes_), br = normalized_edge_weights(arch(3), nodes_);
  return net_->forward_edges(
      x, [&](int64_t, bool reduction, int64_t edge, nas::nn::MixedOpImpl& op, const at::Tensor& in) {
        const at::Tensor& w = reduction ? wr : wn;
        const at::Tensor& b = reduction ? br : bn;
        return b[edge] * partial_channel_edge(op, in, w[edge], k_);
      });
}

double PcDartsSearch::step(const nas::Batch& train, const nas::Batch& valid, double lr, bool update_arch,
                           double& correct) {
  net_->train();
  if (update_arch) {
    // First order, as the reference runs it: the gradient of the validation loss (the SDK's
    // bilevel step, which also puts back the BatchNorm statistics its forward moved).
    nas::nn::BilevelProblem problem;
    problem.weights = weights_;
    problem.arch = arch_;
    problem.valid_loss = [&] { return at::cross_entropy_loss(forward(valid.input), valid.target); };
    problem.train_loss = [&] { return at::cross_entropy_loss(forward(train.input), train.target); };
    problem.buffers = net_->buffers();
    nas::nn::BilevelOptions bo;
    bo.second_order = false;
    bo.where = "pc-darts epoch " + std::to_string(epoch_ + 1);
    const nas::nn::BilevelResult r = nas::nn::architecture_gradient(problem, bo);
    a_opt_->zero_grad();
    for (size_t i = 0; i < arch_.size(); ++i) arch_[i].mutable_grad() = r.arch_grad[i];
    a_opt_->step();
  }
  for (auto& g : w_opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  w_opt_->zero_grad();
  const at::Tensor logits = forward(train.input, /*detach_arch=*/true);
  const at::Tensor loss = at::cross_entropy_loss(logits, train.target);
  const double l = loss.item<double>();
  if (!std::isfinite(l)) throw nas::NumericError("pc-darts: training loss is " + std::to_string(l) + "; lower w_lr");
  loss.backward();
  nas::nn::clip_grad_norm(weights_, grad_clip_);
  nas::nn::sgd_step(*w_opt_);
  correct += logits.argmax(1).eq(train.target).sum().item<double>();
  return l;
}

nas::Metrics PcDartsSearch::run_epoch() {
  if (epoch_ >= epochs_) throw nas::Error("pc-darts: all " + std::to_string(epochs_) + " epochs are done");
  const double lr = nas::nn::cosine_lr(w_lr_, w_lr_min_, epoch_, epochs_);
  const bool update_arch = epoch_ >= warmup_;
  const nas::nn::PairedEpochResult trained =
      nas::nn::run_paired_epoch(ctx_, *train_loader_, *valid_loader_, epoch_, epochs_, max_steps_, "pc-darts",
                                [&](const nas::Batch& train, const nas::Batch& valid, double& correct) {
                                  return step(train, valid, lr, update_arch, correct);
                                });
  double valid_correct = 0, valid_seen = 0;
  {
    const at::NoGradGuard no_grad;
    net_->eval();
    eval_loader_->start_epoch(epoch_);
    int64_t n = 0;
    while (auto b = eval_loader_->next()) {
      valid_correct += forward(b->input).argmax(1).eq(b->target).sum().item<double>();
      valid_seen += static_cast<double>(b->target.size(0));
      if (max_eval_batches_ > 0 && ++n >= max_eval_batches_) break;
    }
    net_->train();
  }
  ++epoch_;
  nas::Metrics m = {{"train_loss", trained.mean_loss},
                    {"train_accuracy", trained.accuracy},
                    {"valid_accuracy", valid_seen > 0 ? valid_correct / valid_seen : 0.0},
                    {"lr", lr},
                    {"architecture_steps", update_arch ? 1.0 : 0.0}};
  const std::string text = nas::to_darts_text(derive(nas::Config(nas::Json::object())).front());
  log_->info("epoch {}/{}{}: train loss {:.4f} acc {:.4f}, supernet valid acc {:.4f}; {}", epoch_, epochs_,
             update_arch ? "" : " (warm-up)", m["train_loss"], m["train_accuracy"], m["valid_accuracy"], text);
  ctx_.metrics().text("pc-darts/genotype", text, epoch_);
  return m;
}

std::vector<nas::Genotype> PcDartsSearch::derive(const nas::Config&) {
  const auto& ops = net_->operation_set().ops();
  auto weights_of = [&](const at::Tensor& alpha, const at::Tensor& beta) {
    const at::Tensor a = alpha.detach().to(at::kCPU, at::kDouble), b = beta.detach().to(at::kCPU, at::kDouble);
    return at::softmax(a, -1) * normalized_edge_weights(b, nodes_).unsqueeze(1);
  };
  nas::Genotype g;
  g.space = "darts";
  g.normal = nas::nn::derive_cell_from_weights(weights_of(arch_[0], arch_[2]), ops, nodes_);
  g.reduce = nas::nn::derive_cell_from_weights(weights_of(arch_[1], arch_[3]), ops, nodes_);
  g.meta = {{"strategy", "pc-darts"},
            {"epoch", epoch_},
            {"seed", ctx_.seed()},
            {"dataset", data_->info().name},
            {"partial_channels", k_}};
  return {g};
}

nas::Json PcDartsSearch::state_summary() const {
  return {{"epoch", epoch_}, {"epochs", epochs_}, {"warmup_epochs", warmup_}, {"partial_channels", k_}};
}

void PcDartsSearch::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive a;
  a.write("format", c10::IValue(std::string(kFormat)));
  a.write("options", c10::IValue(options_.json().dump()));
  a.write("epoch", at::tensor(epoch_));
  for (size_t i = 0; i < arch_.size(); ++i) a.write(kArchNames[i], arch_[i].detach(), true);
  torch::serialize::OutputArchive net, w_opt, a_opt;
  net_->save(net);
  w_opt_->save(w_opt);
  a_opt_->save(a_opt);
  a.write("net", net);
  a.write("w_opt", w_opt);
  a.write("a_opt", a_opt);
  nas::save_archive(a, file);
}

void PcDartsSearch::load(const std::filesystem::path& file) {
  nas::read_archive(file, ctx_.device(), "pc-darts search checkpoint", [&](torch::serialize::InputArchive& a) {
    c10::IValue format, options;
    if (!a.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
      throw nas::Error("pc-darts: '" + file.string() + "' is not a pc-darts search checkpoint");
    a.read("options", options);
    const nas::Json saved = nas::Json::parse(options.toStringRef());
    nas::nn::check_checkpoint_shape(saved, options_, file, "pc-darts", {"partial_channels"});
    at::Tensor epoch;
    a.read("epoch", epoch);
    std::vector<at::Tensor> arch(arch_.size());
    for (size_t i = 0; i < arch_.size(); ++i) a.read(kArchNames[i], arch[i], true);
    torch::serialize::InputArchive net, w_opt, a_opt;
    a.read("net", net);
    a.read("w_opt", w_opt);
    a.read("a_opt", a_opt);
    net_->load(net);
    {
      const at::NoGradGuard no_grad;
      for (size_t i = 0; i < arch_.size(); ++i) arch_[i].copy_(arch[i]);
    }
    w_opt_->load(w_opt);
    a_opt_->load(a_opt);
    epoch_ = epoch.item<int64_t>();
  });
}

}  // namespace pc_darts
