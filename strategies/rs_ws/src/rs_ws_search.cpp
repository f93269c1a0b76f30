#include "rs_ws_search.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <ATen/ATen.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <nashost/archive_io.hpp>
#include <nashost/archive_read.hpp>
#include <nashost/error.hpp>
#include <nashost/genotype_formats.hpp>
#include <nashost/io.hpp>
#include <nashost/nn/foreach_ops.hpp>
#include <nashost/nn/limits.hpp>
#include <nashost/nn/schedules.hpp>
#include <nashost/nn/supernet_options.hpp>

namespace rs_ws {

using nas::OptionType;

nas::OptionList search_options() {
  nas::OptionList o = nas::nn::supernet_search_options(64);
  for (auto& spec : o) {
    if (spec.key == "operation_set") spec.help += " (must contain 'none': the ops an architecture leaves out)";
    if (spec.key == "max_eval_batches")
      spec.help = "validation batches of the per-epoch check (a fresh random architecture per batch; 0 = all)";
  }
  o.insert(
      o.end(),
      {
          {"epochs", OptionType::Int, 50, "supernet training epochs"},
          {"rank_samples", OptionType::Int, 1000, "architectures derive() draws and scores with the shared weights"},
          {"rank_batches", OptionType::Int, 10,
           "validation batches each of them is scored on (the same batches for all)"},
          {"top_k", OptionType::Int, 10, "the best this many are scored again on the whole validation split"},
          {"micro_batches", OptionType::Int, 1,
           "split each batch into this many parts computed one after another, gradients averaged (per rank)"},
      });
  return o;
}

nas::OptionList derive_options() {
  return {
      {"samples", OptionType::Int, 0, "architectures to draw (0: the option rank_samples)"},
      {"top_k", OptionType::Int, 0, "finalists scored on the whole validation split (0: the option top_k)"},
      {"seed", OptionType::Int, -1, "seed of the draw (-1: from the run's seed)"},
  };
}

namespace {
/// Puts the running statistics of `net` back as they were when it goes: scoring runs
/// architectures with batch statistics (each normalises by its own activations, as in
/// training), which would otherwise move them.
class KeepRunningStats {
 public:
  explicit KeepRunningStats(torch::nn::Module& net) : buffers_(net.buffers()) {
    for (const auto& b : buffers_) saved_.push_back(b.clone());
  }
  ~KeepRunningStats() {
    const at::NoGradGuard no_grad;
    for (size_t i = 0; i < buffers_.size(); ++i) buffers_[i].copy_(saved_[i]);
  }
  KeepRunningStats(const KeepRunningStats&) = delete;
  KeepRunningStats& operator=(const KeepRunningStats&) = delete;

 private:
  std::vector<at::Tensor> buffers_, saved_;
};

constexpr const char* kFormat = "nashost-rs-ws-search-1";

// The keys a checkpoint must agree on with the run that loads it.

std::string rng_state(const std::mt19937_64& rng) {
  std::ostringstream s;
  s << rng;
  return s.str();
}
}  // namespace

RsWsSearch::RsWsSearch(const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx)
    : options_(o), data_(std::move(data)), ctx_(ctx), log_(ctx.logger("rs-ws")), rng_(ctx.seed()) {
  if (!data_) throw nas::ConfigError("rs-ws: a dataset is required");
  nas::nn::SearchNetworkOptions so = nas::nn::supernet_from_options(o, data_->info(), "rs-ws");
  epochs_ = o.get_int_in("epochs", 1, 100000);
  max_steps_ = o.get_int_in("max_steps_per_epoch", 0, 1 << 30);
  max_eval_batches_ = o.get_int_in("max_eval_batches", 0, 1 << 30);
  lr_ = o.get_float("w_lr");
  lr_min_ = o.get_float("w_lr_min");
  momentum_ = o.get_float("w_momentum");
  weight_decay_ = o.get_float("w_weight_decay");
  grad_clip_ = o.get_float("w_grad_clip");
  for (const char* key : {"rank_samples", "rank_batches", "top_k"}) o.get_int_in(key, 1, 1 << 30);
  parallel_ = nas::nn::DataParallel(static_cast<int>(o.get_int_in("micro_batches", 1, 1024)));
  parallel_.check_batch_size(o.get_int("batch_size"), o.full_key("batch_size"));

  auto ops = ctx.operation_set(o.get_string("operation_set"));
  if (!ops) throw nas::ConfigError("rs-ws: operation set '" + o.get_string("operation_set") + "' is not available");
  sampler_ = std::make_unique<nas::CellSampler>(ops->ops(), static_cast<int>(so.nodes));
  torch::manual_seed(ctx.seed());
  net_ = nas::nn::DartsSearchNetwork(so, ops);
  net_->to(ctx.device());
  weights_ = net_->parameters();
  opt_ = std::make_unique<torch::optim::SGD>(
      weights_, torch::optim::SGDOptions(lr_).momentum(momentum_).weight_decay(weight_decay_));
  nas::LoaderOptions lo = nas::LoaderOptions::for_training(o, ctx.seed(), ctx.device());
  train_loader_ = data_->loader(nas::Split::Train, lo);
  eval_loader_ = data_->loader(nas::Split::Valid, lo.for_evaluation());
  log_->info("rs-ws: supernet {} params, {} edges x {} ops per cell; {} epochs", nas::count_parameters(*net_),
             net_->num_edges(), net_->num_ops(), epochs_);
}

double RsWsSearch::train_step(const nas::Batch& batch, double lr, const std::string& where, double& correct) {
  const nas::SampledArch arch = sampler_->sample(rng_);
  const std::vector<int64_t> normal = sampler_->edge_ops(arch.normal), reduce = sampler_->edge_ops(arch.reduce);
  net_->train();
  for (auto& g : opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
  opt_->zero_grad();
  std::vector<at::Tensor> outs;
  const double loss = parallel_.backward(
      [&](int k) {
        const nas::Batch b = parallel_.shard(batch, k);
        const at::Tensor logits = net_->forward_discrete(b.input, normal, reduce);
        outs.push_back(logits.detach());
        return at::cross_entropy_loss(logits, b.target);
      },
      weights_);
  if (!std::isfinite(loss))
    throw nas::NumericError("rs-ws: training loss is " + std::to_string(loss) + " at " + where + "; lower w_lr");
  nas::nn::clip_grad_norm(weights_, grad_clip_);
  nas::nn::sgd_step(*opt_);
  if (parallel_.world_size() > 1) parallel_.sync_from_rank0(net_->buffers());
  const at::Tensor logits = outs.size() == 1 ? outs.front() : at::cat(outs);
  correct += logits.argmax(1).eq(parallel_.local_rows(batch).target).sum().item<double>();
  return loss;
}

nas::Metrics RsWsSearch::run_epoch() {
  if (epoch_ >= epochs_) throw nas::Error("rs-ws: all " + std::to_string(epochs_) + " epochs are done");
  const double lr = nas::nn::cosine_lr(lr_, lr_min_, epoch_, epochs_);
  train_loader_->start_epoch(epoch_);
  int64_t steps = train_loader_->batches_per_epoch();
  if (max_steps_ > 0) steps = std::min(steps, max_steps_);
  const std::string label = "rs-ws epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(epochs_);
  auto progress = ctx_.progress(label, steps);
  double sum_loss = 0, correct = 0, seen = 0;
  int64_t done = 0;
  for (int64_t s = 0; s < steps; ++s) {
    if (ctx_.stop_requested()) throw nas::Interrupted("stopped on request");  // no partial epoch
    auto batch = train_loader_->next();
    if (!batch || !parallel_.splits(*batch)) break;
    const double loss = train_step(*batch, lr, label + ", step " + std::to_string(s + 1), correct);
    seen += static_cast<double>(parallel_.local_rows(*batch).target.size(0));
    sum_loss += loss;
    ++done;
    ctx_.metrics().scalar("rs-ws/step_train_loss", loss, epoch_ * steps + s);
    progress->advance();
    if (s % 10 == 0) progress->set_status("loss " + std::to_string(loss));
  }
  progress->finish();
  // How good the shared weights are for architectures in general: a fresh random one per
  // validation batch (a draw of its own, so that the training draws do not depend on it).
  std::mt19937_64 check_rng(ctx_.seed() * 7919 + static_cast<uint64_t>(epoch_));
  double valid_correct = 0, valid_seen = 0;
  {
    const at::NoGradGuard no_grad;
    const KeepRunningStats keep(*net_);
    net_->train();
    eval_loader_->start_epoch(epoch_);
    int64_t n = 0;
    while (auto b = eval_loader_->next()) {
      const nas::SampledArch arch = sampler_->sample(check_rng);
      const at::Tensor logits =
          net_->forward_discrete(b->input, sampler_->edge_ops(arch.normal), sampler_->edge_ops(arch.reduce));
      valid_correct += logits.argmax(1).eq(b->target).sum().item<double>();
      valid_seen += static_cast<double>(b->target.size(0));
      if (max_eval_batches_ > 0 && ++n >= max_eval_batches_) break;
    }
  }
  ++epoch_;
  nas::Metrics m = {{"train_loss", done > 0 ? sum_loss / static_cast<double>(done) : 0.0},
                    {"train_accuracy", seen > 0 ? correct / seen : 0.0},
                    {"valid_accuracy_random_arch", valid_seen > 0 ? valid_correct / valid_seen : 0.0},
                    {"lr", lr}};
  log_->info("epoch {}/{}: train loss {:.4f} acc {:.4f}, random architectures' valid acc {:.4f}", epoch_, epochs_,
             m["train_loss"], m["train_accuracy"], m["valid_accuracy_random_arch"]);
  return m;
}

Score RsWsSearch::score(const nas::SampledArch& arch, int64_t batches) {
  const at::NoGradGuard no_grad;
  const KeepRunningStats keep(*net_);
  net_->train();
  const std::vector<int64_t> normal = sampler_->edge_ops(arch.normal), reduce = sampler_->edge_ops(arch.reduce);
  eval_loader_->start_epoch(0);
  double correct = 0, loss = 0, seen = 0;
  int64_t n = 0;
  while (auto b = eval_loader_->next()) {
    const at::Tensor logits = net_->forward_discrete(b->input, normal, reduce);
    correct += logits.argmax(1).eq(b->target).sum().item<double>();
    loss += at::cross_entropy_loss(logits, b->target, {}, at::Reduction::Sum).item<double>();
    seen += static_cast<double>(b->target.size(0));
    if (batches > 0 && ++n >= batches) break;
  }
  if (seen == 0) throw nas::Error("rs-ws: the validation split is empty");
  return {correct / seen, loss / seen};
}

std::vector<nas::Genotype> RsWsSearch::derive(const nas::Config& raw_args) {
  const nas::Config args = nas::Config::validated(raw_args.json(), derive_options(), "derive");
  auto or_option = [&](const char* arg, const char* option) {
    const int64_t v = args.get_int(arg);
    if (v < 0) throw nas::ConfigError("rs-ws derive: " + std::string(arg) + " must be >= 0");
    return v > 0 ? v : options_.get_int(option);
  };
  const int64_t samples = or_option("samples", "rank_samples");
  const int64_t top_k = std::min(samples, or_option("top_k", "top_k"));
  const int64_t rank_batches = options_.get_int("rank_batches");
  const int64_t seed = args.get_int("seed");
  std::mt19937_64 draw(seed >= 0 ? static_cast<uint64_t>(seed) : ctx_.seed() + 1000003);

  struct Candidate {
    nas::SampledArch arch;
    Score first, final;
  };
  std::vector<Candidate> candidates;
  auto progress = ctx_.progress("rs-ws ranking", samples + top_k);
  for (int64_t i = 0; i < samples; ++i) {
    if (ctx_.stop_requested()) throw nas::Interrupted("stopped on request");
    Candidate c{sampler_->sample(draw), {}, {}};
    c.first = score(c.arch, rank_batches);
    candidates.push_back(std::move(c));
    progress->advance();
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.first.better_than(b.first); });
  for (int64_t i = 0; i < top_k; ++i) {
    if (ctx_.stop_requested()) throw nas::Interrupted("stopped on request");
    candidates[static_cast<size_t>(i)].final = score(candidates[static_cast<size_t>(i)].arch, 0);
    progress->advance();
  }
  progress->finish();
  const auto best =
      std::min_element(candidates.begin(), candidates.begin() + top_k,
                       [](const Candidate& a, const Candidate& b) { return a.final.better_than(b.final); });

  const auto dir = ctx_.run_dir() / "search" / "rs_ws";
  std::filesystem::create_directories(dir);
  std::ostringstream csv;
  csv << "rank,accuracy_" << rank_batches << "_batches,loss_" << rank_batches
      << "_batches,valid_accuracy,valid_loss,genotype\n";
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    csv << i + 1 << "," << c.first.accuracy << "," << c.first.loss << ",";
    if (static_cast<int64_t>(i) < top_k)
      csv << c.final.accuracy << "," << c.final.loss;
    else
      csv << ",";
    csv << ",\"" << nas::to_darts_text(sampler_->genotype(c.arch)) << "\"\n";
  }
  nas::atomic_write_text(dir / "ranking.csv", csv.str());

  nas::Genotype g = sampler_->genotype(best->arch);
  g.meta = {{"strategy", "rs-ws"},
            {"epoch", epoch_},
            {"seed", ctx_.seed()},
            {"dataset", data_->info().name},
            {"samples", samples},
            {"top_k", top_k},
            {"valid_accuracy_shared_weights", best->final.accuracy}};
  nas::save_genotype(g, dir / "best.json");
  try {
    nas::render_dot(nas::cell_to_dot(g.normal, "rs-ws normal"), dir / "best-normal.png");
    nas::render_dot(nas::cell_to_dot(g.reduce, "rs-ws reduce"), dir / "best-reduce.png");
  } catch (const nas::Error& e) {
    log_->warn("rs-ws: pictures skipped: {}", e.what());
  }
  log_->info(
      "rs-ws: best of {} sampled architectures (top {} re-scored on the whole validation split): valid acc "
      "{:.4f} with the shared weights; {}",
      samples, top_k, best->final.accuracy, nas::to_darts_text(g));
  return {g};
}

nas::Json RsWsSearch::state_summary() const { return {{"epoch", epoch_}, {"epochs", epochs_}}; }

void RsWsSearch::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive a;
  a.write("format", c10::IValue(std::string(kFormat)));
  a.write("options", c10::IValue(options_.json().dump()));
  a.write("epoch", at::tensor(epoch_));
  a.write("arch_rng", c10::IValue(rng_state(rng_)));
  torch::serialize::OutputArchive net, opt;
  net_->save(net);
  opt_->save(opt);
  a.write("net", net);
  a.write("opt", opt);
  nas::save_archive(a, file);
}

void RsWsSearch::load(const std::filesystem::path& file) {
  nas::read_archive(file, ctx_.device(), "rs-ws search checkpoint", [&](torch::serialize::InputArchive& a) {
    c10::IValue format, options, rng;
    if (!a.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
      throw nas::Error("rs-ws: '" + file.string() + "' is not an rs-ws search checkpoint");
    a.read("options", options);
    const nas::Json saved = nas::Json::parse(options.toStringRef());
    nas::nn::check_checkpoint_shape(saved, options_, file, "rs-ws");
    at::Tensor epoch;
    a.read("epoch", epoch);
    a.read("arch_rng", rng);
    torch::serialize::InputArchive net, opt;
    a.read("net", net);
    a.read("opt", opt);
    net_->load(net);
    opt_->load(opt);
    std::istringstream in(rng.toStringRef());
    in >> rng_;
    if (!in) throw nas::Error("rs-ws: '" + file.string() + "' has a damaged architecture generator state");
    epoch_ = epoch.item<int64_t>();
  });
}

}  // namespace rs_ws
