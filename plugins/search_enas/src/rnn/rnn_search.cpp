#include "rnn/rnn_search.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/optim/adam.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "common/frames_page.hpp"
#include "rnn/rnn_dag_pictures.hpp"
#include "rnn/lm_data.hpp"
#include "rnn/rnn_model_file.hpp"
#include "nashost/archive_io.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/nn/limits.hpp"
#include "common/search_options.hpp"
#include "rnn/rnn_options.hpp"
#include "common/search_checkpoint.hpp"

namespace nas::enas {

EnasRnnSearch::EnasRnnSearch(const Config& raw_options, std::shared_ptr<Dataset> data, HostContext& ctx)
    : options_(resolve_network_defaults(raw_options)),
      data_(std::move(data)),
      ctx_(ctx),
      log_(ctx.logger("enas")),
      reinforce_(1, 0.95) {
  const Config& options = options_;
  const std::string network = options.get_string("network");
  if (network != "rnn")
    throw ConfigError(options.full_key("network") + ": '" + network + "' is not the RNN search (valid here: rnn; " +
                      "the enas strategy runs network = \"cnn\" with EnasCnnSearch)");
  if (!data_) throw ConfigError("enas: a dataset is required");
  parallel_ = nn::DataParallel(static_cast<int>(options.get_int_in("micro_batches", 1, 1024)));
  parallel_.check_batch_size(options.get_int("batch_size"), options.full_key("batch_size"));

  train_type_ = parse_train_type(options.get_string("train_type"));
  loop_ = SearchLoop::from(options);
  reward_c_ = options.get_float("reward_c");
  ppl_square_ = options.get_bool("ppl_square");
  train_opts_ = SharedTrainOptions::from(options);

  const int num_blocks = static_cast<int>(options.get_int_in("num_blocks", 1, nn::kMaxNodes));
  ops_ = ctx.operation_set(options.get_string("operation_set"));
  at::manual_seed(ctx.seed());

  ControllerConfig cc;
  cc.train_type = train_type_;
  cc.architecture = options.get_string("architecture");
  cc.activations = ops_->ops();
  cc.num_blocks = num_blocks;
  cc.hidden = static_cast<int>(options.get_int_in("controller_hid", 1, nn::kMaxHidden));
  cc.temperature = options.get_float("softmax_temperature");
  cc.tanh_c = options.get_float("tanh_c");
  controller_ = Controller(cc);
  reinforce_ = Reinforce(controller_->num_decisions(), options.get_float("ema_baseline_decay"));

  const int64_t vocab = data_->info().num_outputs;
  shared_ = SharedRnn(shared_config_from(options, vocab, num_blocks), *ops_);
  const auto device = ctx.device();
  shared_->to(device);
  controller_->to(device);
  shared_optim_ = make_shared_optimizer(*shared_, train_opts_);
  controller_optim_ = std::make_unique<torch::optim::Adam>(
      controller_->parameters(), torch::optim::AdamOptions(options.get_float("controller_lr")));

  const int64_t batch = options.get_int("batch_size"), eval_batch = options.get_int("eval_batch_size");
  train_.rows = batchify(lm_tokens(*data_, Split::Train, 2 * batch), batch, device);
  at::Tensor valid = lm_tokens(*data_, Split::Valid, 2 * std::max(batch, eval_batch));
  valid_rows_ = batchify(valid, batch, device);
  eval_rows_ = batchify(valid, eval_batch, device);
  log_->info("enas ({}): shared RNN {} parameters, controller {} decisions, train {} rows x {}",
             train_type_name(train_type_), count_parameters(*shared_), controller_->num_decisions(),
             train_.rows.size(0), batch);
}

std::filesystem::path EnasRnnSearch::shared_model_file() const { return ctx_.run_dir() / "search" / "shared_model.pt"; }

double EnasRnnSearch::shared_train_step() {
  shared_->train();
  std::vector<Dag> dags;
  {
    at::NoGradGuard no_grad;
    dags = controller_->sample(loop_.num_sample).dags;
  }
  const double loss = shared_step(*shared_, *shared_optim_, train_, dags, train_opts_, &parallel_);
  if (shared_step_ % loop_.log_step == 0) {
    ctx_.metrics().scalar("shared/loss", loss, shared_step_);
    ctx_.metrics().scalar("shared/perplexity", std::exp(loss), shared_step_);
  }
  ++shared_step_;
  return loss;
}

EnasRnnSearch::ControllerStepResult EnasRnnSearch::controller_step() {
  // Reference: the reward is measured with the shared model in training mode (dropout on).
  shared_->train();
  controller_->train();
  ControllerSample s = controller_->sample(1);
  if (valid_cursor_ + 1 >= valid_rows_.size(0) || !valid_hidden_.defined()) {
    valid_cursor_ = 0;
    valid_hidden_ = shared_->init_hidden(valid_rows_.size(1));
  }
  double ppl;
  {
    at::NoGradGuard no_grad;
    Chunk c = chunk_at(valid_rows_, valid_cursor_, train_opts_.bptt);
    auto out = shared_->forward(c.input, valid_hidden_, s.dags[0]);
    valid_hidden_ = out.hidden;
    ppl = std::exp(at::cross_entropy_loss(out.logits, c.target).item<double>());
  }
  valid_cursor_ += train_opts_.bptt;
  const double reward = reward_c_ / (ppl_square_ ? ppl * ppl : ppl);
  at::Tensor rewards = decision_rewards(reward, s.entropies[0], loop_.entropy_coeff, loop_.entropy_in_reward);
  at::Tensor adv = reinforce_.advantage(rewards, s.mask[0]);
  at::Tensor loss = reinforce_loss(s, 0, adv, loop_.entropy_coeff, loop_.entropy_in_reward);
  controller_optim_->zero_grad();
  loss.backward();
  if (loop_.controller_clip > 0) nn::clip_grad_norm(controller_->parameters(), loop_.controller_clip);
  nn::optimizer_step(*controller_optim_);  // Adam in one fused kernel
  const double entropy = (s.entropies[0] * s.mask[0]).sum().item<double>() / s.mask[0].sum().item<double>();
  if (controller_step_ % loop_.log_step == 0) {
    ctx_.metrics().scalar("controller/loss", loss.item<double>(), controller_step_);
    ctx_.metrics().scalar("controller/reward", reward, controller_step_);
    ctx_.metrics().scalar("controller/entropy", entropy, controller_step_);
    ctx_.metrics().scalar("controller/adv", (adv * s.mask[0]).sum().item<double>(), controller_step_);
  }
  ++controller_step_;
  return {reward, entropy, loss.item<double>(), ppl};
}

EnasRnnSearch::Scored EnasRnnSearch::best_sample(int64_t samples, bool full_valid) {
  at::NoGradGuard no_grad;
  std::vector<Dag> dags = controller_->sample(samples).dags;
  Scored best{{}, std::numeric_limits<double>::infinity()};
  for (auto& dag : dags) {
    const double ppl = evaluate_ppl(*shared_, eval_rows_, dag, train_opts_.bptt, full_valid ? 0 : 1);
    if (ppl < best.ppl || best.dag.empty()) best = {std::move(dag), ppl};
  }
  return best;
}

Metrics EnasRnnSearch::run_epoch() {
  if (epoch_ >= loop_.epochs) throw Error("enas: all " + std::to_string(loop_.epochs) + " epochs are done");
  const double lr = lr_for_epoch(train_opts_, epoch_);
  set_lr(*shared_optim_, lr);
  auto bar = ctx_.progress("enas epoch " + std::to_string(epoch_ + 1), loop_.shared_steps + loop_.controller_steps);
  Metrics m;
  double loss_sum = 0;
  for (int64_t s = 0; s < loop_.shared_steps; ++s) {
    if (ctx_.stop_requested()) throw Interrupted("stopped on request");
    loss_sum += shared_train_step();
    bar->advance();
  }
  if (loop_.shared_steps > 0) {
    m["train_loss"] = loss_sum / static_cast<double>(loop_.shared_steps);
    m["train_ppl"] = std::exp(m["train_loss"]);
    bar->set_status("train ppl " + std::to_string(m["train_ppl"]));
  }
  if (train_type_ != TrainType::Random && loop_.controller_steps > 0) {
    valid_hidden_ = at::Tensor();  // each controller phase starts at the top of valid with zero hidden
    double r = 0, h = 0, l = 0;
    for (int64_t s = 0; s < loop_.controller_steps; ++s) {
      if (ctx_.stop_requested()) throw Interrupted("stopped on request");
      auto res = controller_step();
      r += res.reward;
      h += res.entropy;
      l += res.loss;
      bar->advance();
    }
    const double n = static_cast<double>(loop_.controller_steps);
    m["controller_reward"] = r / n;
    m["controller_entropy"] = h / n;
    m["controller_loss"] = l / n;
    m["baseline"] = reinforce_.baseline().mean().item<double>();
    sync_controller();
  }
  bar->finish();
  check_ranks(m);
  Scored best = best_sample(loop_.derive_samples, false);
  double full = std::numeric_limits<double>::quiet_NaN();
  if (loop_.eval_full_valid) full = evaluate_ppl(*shared_, eval_rows_, best.dag, train_opts_.bptt);
  derived_ = best.dag;
  m["derived_batch_ppl"] = best.ppl;
  if (loop_.eval_full_valid) {
    m["valid_ppl"] = full;
    if (best_valid_ppl_ == 0.0 || full < best_valid_ppl_) best_valid_ppl_ = full;
    m["best_valid_ppl"] = best_valid_ppl_;
  }
  m["num_nodes"] = live_count(best.dag);
  m["lr"] = lr;
  ++epoch_;
  write_epoch_outputs(best, full);
  log_->info("enas epoch {}/{}: train ppl {:.2f}, {}derived valid ppl {:.2f} ({})", epoch_, loop_.epochs,
             m.count("train_ppl") ? m["train_ppl"] : 0.0,
             m.count("controller_reward") ? "reward " + std::to_string(m["controller_reward"]) + ", " : std::string(),
             full, dag_summary(best.dag));
  return m;
}

void EnasRnnSearch::sync_controller() {
  if (parallel_.world_size() > 1) parallel_.sync_from_rank0(controller_->parameters());
}

void EnasRnnSearch::check_ranks(Metrics& m) {
  if (parallel_.world_size() == 1) return;
  std::vector<at::Tensor> state = shared_->parameters();
  for (const auto& p : controller_->parameters()) state.push_back(p);
  m["ranks_divergence"] = parallel_.max_divergence(state);
  if (m["ranks_divergence"] > 1e-5)
    log_->warn("enas: the ranks' parameters differ by up to {} after epoch {}", m["ranks_divergence"], epoch_ + 1);
}

void EnasRnnSearch::write_epoch_outputs(const Scored& best, double full_valid_ppl) {
  if (parallel_.rank() != 0) return;  // the ranks hold the same search; rank 0 writes it
  const auto dir = ctx_.run_dir() / "search";
  std::filesystem::create_directories(dir);
  Genotype g = dag_genotype(best.dag);
  g.meta = {{"strategy", "enas"},
            {"train_type", train_type_name(train_type_)},
            {"epoch", epoch_},
            {"valid_batch_ppl", best.ppl}};
  save_genotype(g, dir / "derived_architecture.json");
  save_shared_model(*shared_, std::nullopt, shared_model_file());
  char name[96];
  std::snprintf(name, sizeof name, "%03lld-%06lld-%.4f-best", static_cast<long long>(epoch_),
                static_cast<long long>(controller_step_), best.ppl);
  char caption[160];
  if (std::isfinite(full_valid_ppl))
    std::snprintf(caption, sizeof caption, "epoch %lld, batch ppl %.2f, valid ppl %.2f", static_cast<long long>(epoch_),
                  best.ppl, full_valid_ppl);
  else
    std::snprintf(caption, sizeof caption, "epoch %lld, batch ppl %.2f", static_cast<long long>(epoch_), best.ppl);
  const std::string png =
      draw_dag(best.dag, caption, dir / "networks" / (std::string(name) + ".png"), *log_, warned_render_);
  frames_.push_back(Json{{"epoch", epoch_},
                         {"controller_step", controller_step_},
                         {"batch_ppl", best.ppl},
                         {"valid_ppl", std::isfinite(full_valid_ppl) ? Json(full_valid_ppl) : Json(nullptr)},
                         {"image", png},
                         {"dag", dag_summary(best.dag)},
                         {"caption", caption},
                         {"images", png.empty() ? Json::array() : Json::array({png})},
                         {"text", "node:activation<parent  " + dag_summary(best.dag)}});
  write_frames_html(frames_, dir / "networks" / "index.html", "ENAS search: derived cell per epoch");
}

std::vector<Genotype> EnasRnnSearch::derive(const Config& args) {
  Config a = Config::validated(args.json(), derive_options(), "derive");
  const int64_t samples = a.get_int("samples");
  if (samples < 1) throw ConfigError("derive.samples must be at least 1");
  Scored best = best_sample(samples, a.get_bool("full_valid"));
  Genotype g = dag_genotype(best.dag);
  g.meta = {{"strategy", "enas"},
            {"train_type", train_type_name(train_type_)},
            {"epoch", epoch_},
            {"samples", samples},
            {a.get_bool("full_valid") ? "valid_ppl" : "valid_batch_ppl", best.ppl},
            {"seed", ctx_.seed()},
            // relative to the run directory, so that a run folder can be moved or shared
            {"shared_model_file", std::filesystem::relative(shared_model_file(), ctx_.run_dir()).generic_string()}};
  return {g};
}

Json EnasRnnSearch::state_summary() const {
  Json derived = Json::array();
  for (const auto& n : derived_) derived.push_back(Json{{"activation", n.activation}, {"parent", n.parent}});
  return Json{{"epoch", epoch_},
              {"train_type", train_type_name(train_type_)},
              {"shared_step", shared_step_},
              {"controller_step", controller_step_},
              {"lr", lr_for_epoch(train_opts_, epoch_)},
              {"best_valid_ppl", best_valid_ppl_},
              {"derived_dag", derived},
              {"weights_sum_squares", nn::sum_of_squares(shared_->parameters())},
              {"baseline", reinforce_.baseline().mean().item<double>()},
              {"shared_model_file", shared_model_file().string()}};
}

SearchCheckpointParts EnasRnnSearch::parts() const {
  // save() is const, load() is not: the parts are the same objects either way.
  auto& self = const_cast<EnasRnnSearch&>(*this);
  return {*self.shared_, *self.controller_, *self.shared_optim_, *self.controller_optim_, self.reinforce_};
}

void EnasRnnSearch::save(const std::filesystem::path& file) const {
  torch::serialize::OutputArchive archive;
  Json state{{"format", "nashost-enas-search"},
             {"version", 1},
             {"epoch", epoch_},
             {"shared_step", shared_step_},
             {"controller_step", controller_step_},
             {"train_cursor", train_.cursor},
             {"best_valid_ppl", best_valid_ppl_},
             {"frames", frames_},
             {"options", options_.json()}};
  Json derived = Json::array();
  for (const auto& n : derived_) derived.push_back(Json{{"activation", n.activation}, {"parent", n.parent}});
  state["derived"] = derived;
  write_search_checkpoint(archive, state, parts(), ctx_.device());
  archive.write("train_hidden", train_.hidden.defined() ? train_.hidden.cpu() : at::empty({0}));
  save_archive(archive, file);
}

void EnasRnnSearch::load(const std::filesystem::path& file) {
  read_archive(file, ctx_.device(), "ENAS search checkpoint", [&](torch::serialize::InputArchive& archive) {
    const Json state = read_search_checkpoint(
        archive, file, "nashost-enas-search", "ENAS search checkpoint", options_.json(),
        {"train_type", "num_blocks", "hidden", "embed", "controller_hid", "operation_set"}, parts(), ctx_.device());
    at::Tensor hidden;
    archive.read("train_hidden", hidden);
    train_.hidden = hidden.numel() > 0 ? hidden.to(ctx_.device()) : at::Tensor();
    epoch_ = state["epoch"].get<int64_t>();
    shared_step_ = state["shared_step"].get<int64_t>();
    controller_step_ = state["controller_step"].get<int64_t>();
    train_.cursor = state["train_cursor"].get<int64_t>();
    best_valid_ppl_ = state["best_valid_ppl"].get<double>();
    frames_ = state["frames"];
    derived_.clear();
    for (const auto& n : state["derived"])
      derived_.push_back({n["activation"].get<std::string>(), n["parent"].get<int>()});
  });
}

}  // namespace nas::enas
