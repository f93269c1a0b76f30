#include "cnn/cnn_search.hpp"

#include <cmath>
#include <cstdio>

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "nashost/archive_io.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "common/frames_page.hpp"
#include "common/search_options.hpp"
#include "common/search_checkpoint.hpp"

namespace nas::enas {

namespace {
/// The options a checkpoint stores and is compared with. `auxiliary` only when on:
/// checkpoints from before the option have none and were made without the head, so they
/// still compare equal to a run with it off.
Json checkpoint_options(const Config& o) {
  Json j = o.json();
  if (j.contains("auxiliary") && !j["auxiliary"].get<bool>()) j.erase("auxiliary");
  return j;
}
}  // namespace

EnasCnnSearch::EnasCnnSearch(const Config& raw_options, std::shared_ptr<Dataset> data, HostContext& ctx)
    : options_(resolve_network_defaults(raw_options)),
      data_(std::move(data)),
      ctx_(ctx),
      log_(ctx.logger("enas")),
      reinforce_(1, 0.99) {
  const Config& o = options_;
  if (o.get_string("network") != "cnn") throw ConfigError(o.full_key("network") + ": EnasCnnSearch needs \"cnn\"");
  if (!data_) throw ConfigError("enas: a dataset is required");
  parallel_ = nn::DataParallel(static_cast<int>(o.get_int_in("micro_batches", 1, 1024)));
  parallel_.check_batch_size(o.get_int("batch_size"), o.full_key("batch_size"));
  const std::string tt = o.get_string("train_type");
  if (tt != "orig" && tt != "random")
    throw ConfigError(o.full_key("train_type") + ": '" + tt +
                      "' is an RNN train type; network = \"cnn\" supports orig, random");
  random_ = tt == "random";
  loop_ = SearchLoop::from(o);
  aggregate_ = o.get_int("controller_num_aggregate");
  max_eval_batches_ = o.get_int("max_eval_batches");
  grad_clip_ = o.get_float("shared_grad_clip");
  lr_max_ = o.get_float("shared_lr");
  lr_min_ = o.get_float("lr_min");
  lr_t0_ = o.get_int("lr_t0");
  lr_t_mul_ = o.get_int("lr_t_mul");
  aux_weight_ = o.get_float("aux_weight");
  if (aux_weight_ < 0) throw ConfigError(o.full_key("aux_weight") + " must be >= 0");
  if (aggregate_ < 1 || lr_t0_ < 1 || lr_t_mul_ < 1)
    throw ConfigError("enas: controller_num_aggregate, lr_t0, lr_t_mul must be >= 1");
  if (o.get_string("shared_optim") != "sgd")
    throw ConfigError(o.full_key("shared_optim") +
                      ": network = \"cnn\" trains the shared weights with SGD (Nesterov), "
                      "as the authors do; set \"sgd\"");

  at::manual_seed(ctx.seed());
  space_ = make_cnn_space(o, data_->info(), ctx, random_);
  // The authors' baseline is one scalar (reward = accuracy + entropy bonus of the whole sample).
  reinforce_ = Reinforce(1, o.get_float("ema_baseline_decay"));

  const auto device = ctx.device();
  shared().to(device);
  controller().to(device);
  shared().train();  // batch statistics throughout (see the header)
  shared_optim_ =
      std::make_unique<torch::optim::SGD>(shared().parameters(), torch::optim::SGDOptions(lr_max_)
                                                                     .momentum(o.get_float("shared_momentum"))
                                                                     .nesterov(o.get_float("shared_momentum") > 0)
                                                                     .weight_decay(o.get_float("shared_l2")));
  controller_optim_ = std::make_unique<torch::optim::Adam>(controller().parameters(),
                                                           torch::optim::AdamOptions(o.get_float("controller_lr")));

  LoaderOptions lo = LoaderOptions::for_training(o, ctx.seed(), device);
  train_ = std::make_unique<CyclingLoader>(data_->loader(Split::Train, lo));
  lo.augment = false;
  lo.seed = ctx.seed() + 1;
  valid_ = std::make_unique<CyclingLoader>(data_->loader(Split::Valid, lo));
  LoaderOptions eo = lo.for_evaluation();
  eo.batch_size = o.get_int("eval_batch_size");
  eval_ = data_->loader(Split::Valid, eo);
  if (loop_.shared_steps == 0) loop_.shared_steps = train_->batches_per_epoch();
  log_->info("enas (cnn, {}): {}, {} shared steps per epoch", random_ ? "random" : "orig", space_->describe(),
             loop_.shared_steps);
}

std::filesystem::path EnasCnnSearch::shared_model_file() const { return ctx_.run_dir() / "search" / "shared_model.pt"; }

double EnasCnnSearch::lr_for(int64_t epoch) const {
  return cosine_restart_lr(epoch, lr_max_, lr_min_, lr_t0_, lr_t_mul_);
}

EnasCnnSearch::StepResult EnasCnnSearch::shared_train_step(double lr) {
  shared().train();
  std::vector<ArcSeq> arcs;
  {
    at::NoGradGuard no_grad;
    arcs = space_->sample(loop_.num_sample).arcs;
  }
  Batch b = train_->next();
  // A last batch with fewer examples than shards is passed over on every rank alike.
  for (int64_t tries = 0; !parallel_.splits(b); ++tries) {
    if (tries > train_->batches_per_epoch())
      throw ConfigError("enas: every training batch has fewer examples than the " +
                        std::to_string(parallel_.total_shards()) + " shards (ranks x micro_batches); raise batch_size");
    b = train_->next();
  }
  for (auto& group : shared_optim_->param_groups()) group.options().set_lr(lr);
  shared_optim_->zero_grad();
  double acc = 0;  // over this rank's shards
  const auto shard_loss = [&](int k) {
    const Batch sb = parallel_.shard(b, k);
    at::Tensor loss;
    for (const auto& arc : arcs) {
      at::Tensor logits = space_->forward(sb.input, arc, true);
      // + aux_weight x the auxiliary head's loss when the space has one (macro, auxiliary = true)
      at::Tensor l = classification_loss(logits, space_->aux_logits(), sb.target, aux_weight_);
      loss = loss.defined() ? loss + l : l;
      acc += logits.argmax(1).eq(sb.target).to(at::kDouble).mean().item<double>();
    }
    return loss / static_cast<double>(arcs.size());
  };
  const double value = parallel_.backward(shard_loss, shared().parameters());
  if (!std::isfinite(value))
    throw NumericError("ENAS shared CNN: loss is " + std::to_string(value) + " at shared step " +
                       std::to_string(shared_step_) + "; lower shared_lr");
  if (grad_clip_ > 0) nn::clip_grad_norm(shared().parameters(), grad_clip_);
  nn::optimizer_step(*shared_optim_);
  if (parallel_.world_size() > 1) parallel_.sync_from_rank0(shared().buffers());  // BN statistics: rank 0's
  acc /= static_cast<double>(arcs.size() * static_cast<size_t>(parallel_.local_shards()));
  if (shared_step_ % loop_.log_step == 0) {
    ctx_.metrics().scalar("shared/loss", value, shared_step_);
    ctx_.metrics().scalar("shared/accuracy", acc, shared_step_);
  }
  ++shared_step_;
  return {value, acc};
}

EnasCnnSearch::ControllerStepResult EnasCnnSearch::controller_step() {
  // Reward as the authors compute it: one shuffled validation minibatch, shared model
  // with batch statistics and dropout (micro_child build_valid_rl, is_training=True).
  shared().train();
  controller().train();
  controller_optim_->zero_grad();
  ControllerStepResult r{0, 0, 0, 0};
  for (int64_t k = 0; k < aggregate_; ++k) {
    SpaceSample s = space_->sample(1);
    double acc;
    {
      at::NoGradGuard no_grad;
      Batch b = valid_->next();
      acc = space_->forward(b.input, s.arcs[0], true).argmax(1).eq(b.target).to(at::kDouble).mean().item<double>();
    }
    const at::Tensor entropy = s.entropies[0].sum();
    const double h = entropy.item<double>();
    const double reward = loop_.entropy_in_reward ? acc + loop_.entropy_coeff * h : acc;
    const at::Tensor adv = reinforce_.advantage(at::full({1}, reward), at::ones({1})).to(s.log_probs.device());
    // + the space's own loss term (macro: the skip penalty; micro: none)
    at::Tensor loss = -(s.log_probs[0].sum() * adv.detach().squeeze()) + s.penalty[0];
    if (!loop_.entropy_in_reward) loss = loss - loop_.entropy_coeff * entropy;
    loss = loss / static_cast<double>(aggregate_);  // gradients averaged over the aggregated samples
    loss.backward();
    r.reward += reward / static_cast<double>(aggregate_);
    r.accuracy += acc / static_cast<double>(aggregate_);
    r.entropy += h / static_cast<double>(aggregate_);
    r.loss += loss.item<double>();
  }
  if (loop_.controller_clip > 0) nn::clip_grad_norm(controller().parameters(), loop_.controller_clip);
  nn::optimizer_step(*controller_optim_);  // Adam in one fused kernel
  if (controller_step_ % loop_.log_step == 0) {
    ctx_.metrics().scalar("controller/loss", r.loss, controller_step_);
    ctx_.metrics().scalar("controller/reward", r.reward, controller_step_);
    ctx_.metrics().scalar("controller/valid_accuracy", r.accuracy, controller_step_);
    ctx_.metrics().scalar("controller/entropy", r.entropy, controller_step_);
    ctx_.metrics().scalar("controller/baseline", reinforce_.baseline()[0].item<double>(), controller_step_);
  }
  ++controller_step_;
  return r;
}

EnasCnnSearch::Scored EnasCnnSearch::best_sample(int64_t samples) {
  at::NoGradGuard no_grad;
  std::vector<ArcSeq> arcs = space_->sample(samples).arcs;
  eval_->start_epoch(0);
  std::optional<Batch> b = eval_->next();
  if (!b) throw DataError("enas: the validation split is empty");
  Scored best{{}, -1.0};
  for (auto& arc : arcs) {
    const double acc =
        space_->forward(b->input, arc, false).argmax(1).eq(b->target).to(at::kDouble).mean().item<double>();
    if (acc > best.accuracy) best = {std::move(arc), acc};
  }
  return best;
}

Metrics EnasCnnSearch::run_epoch() {
  if (epoch_ >= loop_.epochs) throw Error("enas: all " + std::to_string(loop_.epochs) + " epochs are done");
  const double lr = lr_for(epoch_);
  const int64_t ctrl = random_ ? 0 : loop_.controller_steps;
  auto bar = ctx_.progress("enas epoch " + std::to_string(epoch_ + 1), loop_.shared_steps + ctrl);
  Metrics m;
  double loss_sum = 0, acc_sum = 0;
  for (int64_t s = 0; s < loop_.shared_steps; ++s) {
    if (ctx_.stop_requested()) throw Interrupted("stopped on request");
    auto r = shared_train_step(lr);
    loss_sum += r.loss;
    acc_sum += r.accuracy;
    bar->advance();
  }
  if (loop_.shared_steps > 0) {
    m["train_loss"] = loss_sum / static_cast<double>(loop_.shared_steps);
    m["train_accuracy"] = acc_sum / static_cast<double>(loop_.shared_steps);
    bar->set_status("train acc " + std::to_string(m["train_accuracy"]));
  }
  if (ctrl > 0) {
    double r = 0, a = 0, h = 0, l = 0;
    for (int64_t s = 0; s < ctrl; ++s) {
      if (ctx_.stop_requested()) throw Interrupted("stopped on request");
      auto res = controller_step();
      r += res.reward;
      a += res.accuracy;
      h += res.entropy;
      l += res.loss;
      bar->advance();
    }
    const double n = static_cast<double>(ctrl);
    m["controller_reward"] = r / n;
    m["controller_accuracy"] = a / n;
    m["controller_entropy"] = h / n;
    m["controller_loss"] = l / n;
    m["baseline"] = reinforce_.baseline()[0].item<double>();
    sync_controller();
  }
  bar->finish();
  check_ranks(m);
  Scored best = best_sample(loop_.derive_samples);
  double valid = std::numeric_limits<double>::quiet_NaN();
  if (loop_.eval_full_valid) {
    valid = evaluate_accuracy(arc_forward(best.arc), *eval_, max_eval_batches_).accuracy;
    m["valid_accuracy"] = valid;
    best_valid_accuracy_ = std::max(best_valid_accuracy_, valid);
    m["best_valid_accuracy"] = best_valid_accuracy_;
  }
  derived_ = best.arc;
  m["derived_batch_accuracy"] = best.accuracy;
  m["lr"] = lr;
  ++epoch_;
  write_epoch_outputs(best, valid);
  log_->info("enas epoch {}/{}: train acc {:.4f}, {}derived valid acc {:.4f}: {}", epoch_, loop_.epochs,
             m.count("train_accuracy") ? m["train_accuracy"] : 0.0,
             m.count("controller_reward") ? "reward " + std::to_string(m["controller_reward"]) + ", " : std::string(),
             valid, space_->summary(best.arc));
  return m;
}

ImageForward EnasCnnSearch::arc_forward(const ArcSeq& arc) {
  return [this, arc](const at::Tensor& x) { return space_->forward(x, arc, false); };
}

std::vector<std::filesystem::path> EnasCnnSearch::draw_pictures(const ArcSeq& arc, const std::filesystem::path& stem,
                                                                const std::string& caption) {
  std::vector<std::filesystem::path> written;
  for (const auto& [kind, dot] : space_->pictures(arc, caption)) {
    const std::filesystem::path png = stem.string() + "-" + kind + ".png";
    try {
      std::filesystem::create_directories(png.parent_path());
      render_dot(dot, png);
      written.push_back(png);
    } catch (const std::exception& e) {
      if (!warned_render_)
        log_->warn("enas: cannot draw the derived architecture ({}); continuing without pictures", e.what());
      warned_render_ = true;
    }
  }
  return written;
}

void EnasCnnSearch::sync_controller() {
  if (parallel_.world_size() > 1) parallel_.sync_from_rank0(controller().parameters());
}

void EnasCnnSearch::check_ranks(Metrics& m) {
  if (parallel_.world_size() == 1) return;
  std::vector<at::Tensor> state = shared().parameters();
  for (const auto& p : controller().parameters()) state.push_back(p);
  m["ranks_divergence"] = parallel_.max_divergence(state);
  if (m["ranks_divergence"] > 1e-5)
    log_->warn("enas: the ranks' parameters differ by up to {} after epoch {}", m["ranks_divergence"], epoch_ + 1);
}

void EnasCnnSearch::write_epoch_outputs(const Scored& best, double valid_accuracy) {
  if (parallel_.rank() != 0) return;  // the ranks hold the same search; rank 0 writes it
  const auto dir = ctx_.run_dir() / "search";
  std::filesystem::create_directories(dir);
  Genotype g = space_->genotype(best.arc);
  g.meta["strategy"] = "enas";
  g.meta["network"] = "cnn";
  g.meta["cnn_space"] = space_->name();
  g.meta["epoch"] = epoch_;
  g.meta["valid_batch_accuracy"] = best.accuracy;
  if (std::isfinite(valid_accuracy)) g.meta["valid_accuracy"] = valid_accuracy;
  save_genotype(g, dir / "derived_architecture.json");
  space_->save_shared(shared_model_file());
  char name[96];
  std::snprintf(name, sizeof name, "%03lld-%06lld-%.4f-best", static_cast<long long>(epoch_),
                static_cast<long long>(controller_step_), best.accuracy);
  Json images = Json::array();
  for (const auto& png : draw_pictures(best.arc, dir / "networks" / name, "epoch " + std::to_string(epoch_)))
    images.push_back(png.filename().string());
  frames_.push_back(Json{{"epoch", epoch_},
                         {"controller_step", controller_step_},
                         {"batch_accuracy", best.accuracy},
                         {"valid_accuracy", std::isfinite(valid_accuracy) ? Json(valid_accuracy) : Json(nullptr)},
                         {"arc", best.arc}});
  char caption[160];
  if (std::isfinite(valid_accuracy))
    std::snprintf(caption, sizeof caption, "batch accuracy %.4f, valid accuracy %.4f", best.accuracy, valid_accuracy);
  else
    std::snprintf(caption, sizeof caption, "batch accuracy %.4f", best.accuracy);
  frames_.back()["caption"] = caption;
  frames_.back()["images"] = images;
  frames_.back()["text"] = space_->summary(best.arc);
  write_frames_html(frames_, dir / "networks" / "index.html",
                    std::string("ENAS ") + space_->name() + " search: derived architecture per epoch");
}

std::vector<Genotype> EnasCnnSearch::derive(const Config& args) {
  Config a = Config::validated(args.json(), derive_options(), "derive");
  const int64_t samples = a.get_int("samples");
  if (samples < 1) throw ConfigError("derive.samples must be at least 1");
  Scored best{{}, 0};
  if (a.get_bool("full_valid")) {
    at::NoGradGuard no_grad;
    std::vector<ArcSeq> arcs = space_->sample(samples).arcs;
    best.accuracy = -1;
    for (auto& arc : arcs) {
      const double acc = evaluate_accuracy(arc_forward(arc), *eval_, max_eval_batches_).accuracy;
      if (acc > best.accuracy) best = {arc, acc};
    }
  } else {
    best = best_sample(samples);
  }
  Genotype g = space_->genotype(best.arc);
  g.meta.update(
      Json{{"strategy", "enas"},
           {"network", "cnn"},
           {"cnn_space", space_->name()},
           {"train_type", random_ ? "random" : "orig"},
           {"epoch", epoch_},
           {"samples", samples},
           {a.get_bool("full_valid") ? "valid_accuracy" : "valid_batch_accuracy", best.accuracy},
           {"seed", ctx_.seed()},
           // relative to the run directory, so that a run folder can be moved or shared
           {"shared_model_file", std::filesystem::relative(shared_model_file(), ctx_.run_dir()).generic_string()},
           {"summary", space_->summary(best.arc)}});
  // Its pictures beside the search outputs (the cell genotype form cannot show a macro
  // network's reductions; scripts point to these), relative to the run directory as above.
  Json pictures = Json::array();
  for (const auto& png :
       draw_pictures(best.arc, ctx_.run_dir() / "search" / "derived", "derived, epoch " + std::to_string(epoch_)))
    pictures.push_back(std::filesystem::relative(png, ctx_.run_dir()).generic_string());
  g.meta["pictures"] = pictures;
  return {g};
}

Json EnasCnnSearch::state_summary() const {
  return Json{{"epoch", epoch_},
              {"network", "cnn"},
              {"cnn_space", space_->name()},
              {"train_type", random_ ? "random" : "orig"},
              {"shared_step", shared_step_},
              {"controller_step", controller_step_},
              {"lr", lr_for(epoch_)},
              {"best_valid_accuracy", best_valid_accuracy_},
              {"derived_arc", derived_.empty() ? Json(nullptr) : Json(derived_)},
              {"baseline", reinforce_.baseline()[0].item<double>()},
              {"shared_params", space_->shared_parameters()},
              {"weights_sum_squares", nn::sum_of_squares(space_->shared().parameters())},
              {"shared_model_file", shared_model_file().string()}};
}

SearchCheckpointParts EnasCnnSearch::parts() const {
  // save() is const, load() is not: the parts are the same objects either way.
  auto& self = const_cast<EnasCnnSearch&>(*this);
  return {self.shared(), self.controller(), *self.shared_optim_, *self.controller_optim_, self.reinforce_};
}

void EnasCnnSearch::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive archive;
  Json state{{"format", "nashost-enas-cnn-search"},
             {"version", 2},
             {"epoch", epoch_},
             {"shared_step", shared_step_},
             {"controller_step", controller_step_},
             {"best_valid_accuracy", best_valid_accuracy_},
             {"train_pos", {train_->epoch(), train_->position()}},
             {"valid_pos", {valid_->epoch(), valid_->position()}},
             {"frames", frames_},
             {"options", checkpoint_options(options_)},
             {"derived", derived_.empty() ? Json(nullptr) : Json(derived_)}};
  write_search_checkpoint(archive, state, parts(), ctx_.device());
  save_archive(archive, file);
}

void EnasCnnSearch::load(const std::filesystem::path& file) {
  read_archive(file, ctx_.device(), "ENAS CNN search checkpoint", [&](torch::serialize::InputArchive& archive) {
    const Json state = read_search_checkpoint(archive, file, "nashost-enas-cnn-search", "ENAS CNN search checkpoint",
                                              checkpoint_options(options_),
                                              {"cnn_space", "train_type", "num_blocks", "channels", "num_layers",
                                               "controller_hid", "operation_set", "auxiliary"},
                                              parts(), ctx_.device());
    if (state.value("version", 1) < 2)  // version 1 stored micro arcs as cells, not flat sequences
      throw Error("'" + file.string() + "' is an ENAS CNN checkpoint of an older nashost; start the search again");
    epoch_ = state["epoch"].get<int64_t>();
    shared_step_ = state["shared_step"].get<int64_t>();
    controller_step_ = state["controller_step"].get<int64_t>();
    best_valid_accuracy_ = state["best_valid_accuracy"].get<double>();
    train_->set_position(state["train_pos"][0].get<int64_t>(), state["train_pos"][1].get<int64_t>());
    valid_->set_position(state["valid_pos"][0].get<int64_t>(), state["valid_pos"][1].get<int64_t>());
    frames_ = state["frames"];
    derived_ = state["derived"].is_null() ? ArcSeq{} : state["derived"].get<ArcSeq>();
  });
  shared().train();
}

}  // namespace nas::enas
