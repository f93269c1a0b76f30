#include "evolution_search.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>

#include <nashost/collectives.hpp>
#include <nashost/error.hpp>
#include <nashost/genotype_formats.hpp>
#include <nashost/io.hpp>
#include <nashost/json_text.hpp>
#include <nashost/nn/limits.hpp>
#include <nashost/operation_set.hpp>
#include <nashost/parallel_trials.hpp>
#include <nashost/support/remove_tree.hpp>

namespace evolution {

using nas::OptionType;

nas::Json paper_child_training() {
  return nas::Json{{"epochs", 25},     {"channels", 24},         {"layers", 11},         {"auxiliary", false},
                   {"drop_path", 0.0}, {"train_split", "train"}, {"eval_split", "valid"}};
}

nas::OptionList search_options() {
  return {
      {"operation_set", OptionType::String, "darts", "ops an edge may take ('none' is never drawn)"},
      {"nodes", OptionType::Int, 4, "intermediate nodes per cell"},
      {"population", OptionType::Int, 100, "P: architectures alive at once (the oldest leaves when a child joins)"},
      {"sample_size", OptionType::Int, 25,
       "S: members drawn (with replacement) per tournament; the fittest is the parent"},
      {"cycles", OptionType::Int, 20000, "C: architectures trained in all, the first P of them random"},
      {"round_size", OptionType::Int, 16,
       "children proposed from one population and trained side by side (shared by the ranks; the paper's "
       "asynchronous workers); results do not depend on the number of ranks; 1 = Algorithm 1 to the letter"},
      {"trainer", OptionType::String, "darts-eval", "trainer component that trains each architecture"},
      {"trainer_options", OptionType::Table, nas::Json::object(),
       "the trainer's options; for darts-eval laid over the paper's child training (25 epochs, channels 24, "
       "layers 11, no auxiliary head or drop path, train on 'train', judged on 'valid')"},
      {"fitness", OptionType::String, "valid_accuracy",
       "the trainer's result metric to maximise (never a test metric)"},
      {"label", OptionType::String, "evolution", "children train under run_dir/train/<label>/trial-<n>/"},
      {"keep_models", OptionType::Bool, false,
       "keep every child's trained model (false: only its result is kept; derive() hands back genotypes)"},
  };
}

nas::OptionList derive_options() {
  return {{"top", OptionType::Int, 1, "how many of the fittest architectures to return, fittest first"}};
}

namespace {

constexpr const char* kFormat = "nashost-evolution-search-1";

Rules rules_from(const nas::Config& o) {
  Rules r;
  r.population = o.get_int_in("population", 1, 1 << 24);
  r.sample_size = o.get_int_in("sample_size", 1, 1 << 24);
  r.cycles = o.get_int_in("cycles", 1, 1 << 30);
  r.round_size = o.get_int_in("round_size", 1, 1 << 20);
  return r;
}

nas::CellSampler sampler_from(const nas::Config& o, nas::HostContext& ctx) {
  auto ops = ctx.operation_set(o.get_string("operation_set"));
  return nas::CellSampler(ops->ops(), static_cast<int>(o.get_int_in("nodes", 1, nas::nn::kMaxNodes)));
}

nas::Json child_training(const nas::Config& o) {
  const nas::Json& mine = o.at("trainer_options");
  if (o.get_string("trainer") != "darts-eval") return mine;
  nas::Json merged = paper_child_training();
  merged["operation_set"] = o.get_string("operation_set");
  for (const auto& [k, v] : mine.items()) merged[k] = v;
  return merged;
}

std::string trial_name(int64_t trial) {
  std::ostringstream s;
  s << "trial-" << std::setw(5) << std::setfill('0') << trial;
  return s.str();
}

bool is_test_metric(const std::string& key) {
  return key.rfind("test_", 0) == 0 || key.find("_test_") != std::string::npos;
}

}  // namespace

EvolutionSearch::EvolutionSearch(const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx)
    : options_(o),
      data_(std::move(data)),
      ctx_(ctx),
      log_(ctx.logger("evolution")),
      fitness_(o.get_string("fitness")),
      label_(o.get_string("label")),
      keep_models_(o.get_bool("keep_models")),
      evolution_(rules_from(o), sampler_from(o, ctx), ctx.seed()) {
  if (!data_) throw nas::ConfigError("evolution: a dataset is required");
  if (is_test_metric(fitness_))
    throw nas::ConfigError("evolution: fitness '" + fitness_ +
                           "' is a test metric; architectures are selected on a validation metric "
                           "(e.g. valid_accuracy, with the trainer's eval_split = \"valid\")");
  if (label_.empty() || label_.find("..") != std::string::npos || label_.front() == '/')
    throw nas::ConfigError("evolution: label must be a folder inside the run's train/ (relative, without '..'), got '" +
                           label_ + "'");
  trainer_ = ctx.trainer(o.get_string("trainer"), child_training(o));
}

Individual EvolutionSearch::train_child(const nas::Genotype& proposed) {
  Individual child;
  child.trial = proposed.meta.at("trial").get<int64_t>();
  child.genotype = proposed;
  const std::string folder = label_ + "/" + trial_name(child.trial);
  nas::Genotype g = proposed;
  g.meta["label"] = folder;
  nas::TrainResult r;
  try {
    r = trainer_->train(g, *data_);
  } catch (const nas::NumericError& e) {
    // A child whose training diverges is a poor architecture, not a failed search.
    log_->warn("evolution: {} diverged, it counts as the least fit: {}", folder, e.what());
    child.fitness = -std::numeric_limits<double>::infinity();
    return child;
  }
  const auto it = r.metrics.find(fitness_);
  if (it == r.metrics.end()) {
    std::string have;
    for (const auto& [k, v] : r.metrics) have += (have.empty() ? "" : ", ") + k;
    throw nas::ConfigError("evolution: trainer '" + options_.get_string("trainer") + "' reported no '" + fitness_ +
                           "' (it reported: " + have +
                           "); give it a validation split (darts-eval: trainer_options.eval_split = \"valid\") or "
                           "choose another fitness");
  }
  child.fitness = std::isfinite(it->second) ? it->second : -std::numeric_limits<double>::infinity();
  child.params = r.params;
  if (!keep_models_) nas::remove_tree(ctx_.run_dir() / "train" / folder);
  return child;
}

std::vector<Individual> EvolutionSearch::train_round(const std::vector<nas::Genotype>& children) {
  const size_t n = children.size();
  // An architecture trained before (in the history or earlier in this round) is not trained
  // again: its training would start from the same seed, so its result is reused.
  std::vector<int64_t> same_as_trial(n, -1);
  std::vector<size_t> same_as_child(n, n);
  std::map<std::string, size_t> in_round;  // architecture -> first child of the round
  std::vector<size_t> to_train;            // the children trained now, in trial order
  for (size_t j = 0; j < n; ++j) {
    const std::string key = nas::to_darts_text(children[j]);
    if (const auto it = trained_.find(key); it != trained_.end())
      same_as_trial[j] = it->second;
    else if (const auto r = in_round.find(key); r != in_round.end())
      same_as_child[j] = r->second;
    else
      in_round.emplace(key, j), to_train.push_back(j);
  }
  // Shared by the ranks: the i-th child to train runs on rank i mod N.
  const auto results =
      nas::run_parallel_trials(static_cast<int64_t>(to_train.size()), 2, [&](int64_t i) -> std::vector<double> {
        if (ctx_.stop_requested()) throw nas::Interrupted("evolution stopped on request");
        const Individual child = train_child(children[to_train[static_cast<size_t>(i)]]);
        return {child.fitness, static_cast<double>(child.params)};
      });
  std::vector<const std::vector<double>*> result_of(n, nullptr);
  for (size_t i = 0; i < to_train.size(); ++i) result_of[to_train[i]] = &results[i];

  std::vector<Individual> round;
  for (size_t j = 0; j < n; ++j) {
    Individual m;
    m.genotype = children[j];
    m.trial = m.genotype.meta.at("trial").get<int64_t>();
    if (const int64_t t = same_as_trial[j]; t >= 0) {
      const Individual& earlier = evolution_.history()[static_cast<size_t>(t)];
      m.fitness = earlier.fitness;
      m.params = earlier.params;
      m.genotype.meta["same_as"] = t;
    } else {
      const size_t k = same_as_child[j] < n ? same_as_child[j] : j;
      m.fitness = (*result_of[k])[0];
      m.params = static_cast<int64_t>(std::llround((*result_of[k])[1]));
      if (k != j) m.genotype.meta["same_as"] = children[k].meta.at("trial");
    }
    round.push_back(std::move(m));
  }
  return round;
}

void EvolutionSearch::remember_trained() {
  trained_.clear();
  for (const Individual& h : evolution_.history()) trained_.emplace(nas::to_darts_text(h.genotype), h.trial);
}

nas::Metrics EvolutionSearch::run_epoch() {
  if (evolution_.done())
    throw nas::Error("evolution: all " + std::to_string(evolution_.rules().cycles) + " trials are done");
  const bool random = evolution_.trials_done() < evolution_.rules().population;
  const std::vector<nas::Genotype> children = evolution_.propose();
  const std::vector<Individual> round = train_round(children);
  evolution_.accept(round);
  for (const Individual& c : round) trained_.emplace(nas::to_darts_text(c.genotype), c.trial);

  nas::Metrics m;
  double round_best = -std::numeric_limits<double>::infinity(), sum = 0;
  int64_t finite = 0, diverged = 0;
  for (const Individual& c : round) {
    round_best = std::max(round_best, c.fitness);
    if (!std::isfinite(c.fitness)) ++diverged;
    const nas::Json& meta = c.genotype.meta;
    log_->info("evolution: trial {} ({}): {} {:.4f}, {} parameters{}", c.trial,
               random ? std::string("random")
                      : "child of " + std::to_string(meta.at("parent").get<int64_t>()) + ", " +
                            meta.at("mutation").get<std::string>(),
               fitness_, c.fitness, c.params,
               meta.contains("same_as") ? " (the architecture of trial " +
                                              std::to_string(meta["same_as"].get<int64_t>()) + ", not trained again)"
                                        : std::string());
    ctx_.metrics().scalar(label_ + "/trial_" + fitness_, c.fitness, c.trial);
  }
  for (const Individual& p : evolution_.population())
    if (std::isfinite(p.fitness)) sum += p.fitness, ++finite;
  const Individual& best = evolution_.fittest();
  m["best_" + fitness_] = best.fitness;
  m["round_best_" + fitness_] = round_best;
  m["population_mean_" + fitness_] = finite > 0 ? sum / static_cast<double>(finite) : std::nan("");
  m["trials"] = static_cast<double>(evolution_.trials_done());
  m["diverged"] = static_cast<double>(diverged);
  log_->info("evolution round {}/{}: {} {} children, best {} {:.4f} (trial {}), population mean {:.4f}",
             evolution_.rounds_done(), evolution_.rounds_total(), round.size(), random ? "random" : "mutated", fitness_,
             best.fitness, best.trial, m["population_mean_" + fitness_]);
  return m;
}

void EvolutionSearch::save(const std::filesystem::path& file) const {
  nas::Json state = evolution_.to_json();
  state["format"] = kFormat;
  state["fitness"] = fitness_;
  state["trainer"] = options_.get_string("trainer");
  nas::atomic_write_text(file, state.dump() + "\n");
}

void EvolutionSearch::load(const std::filesystem::path& file) {
  const nas::Json state = nas::parse_json_text(nas::read_text_file(file), file.string());
  try {
    if (!state.is_object() || state.value("format", "") != kFormat)
      throw nas::Error(file.string() + " is not a checkpoint of the evolution strategy (expected format '" + kFormat +
                       "')");
    for (const char* key : {"fitness", "trainer"})
      if (state.value(key, "") != options_.get_string(key))
        throw nas::ConfigError("evolution: the checkpoint was made with " + std::string(key) + " '" +
                               state.value(key, "") + "', this search has '" + options_.get_string(key) +
                               "': resume with the same options, or start a new run");
    evolution_.load_json(state);  // all or nothing
  } catch (const nas::Error&) {
    throw;
  } catch (const std::exception& e) {  // a key missing or of another type
    throw nas::Error(file.string() + ": a damaged evolution checkpoint (" + e.what() + "); the search is unchanged");
  }
  remember_trained();
}

std::vector<nas::Genotype> EvolutionSearch::derive(const nas::Config& raw_args) {
  const nas::Config args = nas::Config::validated(raw_args.json(), derive_options(), "derive");
  const int64_t top = args.get_int_in("top", 1, 1 << 30);
  if (evolution_.history().empty())
    throw nas::Error("evolution: no architecture has been trained yet (run the search first)");

  std::ostringstream csv;
  csv << "trial,parent,mutation," << fitness_ << ",params,same_as,in_population,genotype\n";
  std::vector<bool> alive(evolution_.history().size(), false);
  for (const Individual& p : evolution_.population()) alive[static_cast<size_t>(p.trial)] = true;
  for (const Individual& h : evolution_.history()) {
    const nas::Json& meta = h.genotype.meta;
    csv << h.trial << "," << meta.value("parent", -1) << ",\"" << meta.value("mutation", "") << "\"," << h.fitness
        << "," << h.params << "," << (meta.contains("same_as") ? std::to_string(meta["same_as"].get<int64_t>()) : "")
        << "," << (alive[static_cast<size_t>(h.trial)] ? 1 : 0) << ",\"" << nas::to_darts_text(h.genotype) << "\"\n";
  }
  const nas::Collectives* ranks = nas::process_collectives();
  if (!ranks || ranks->rank() == 0) {
    const auto dir = ctx_.run_dir() / "search" / label_;
    std::filesystem::create_directories(dir);
    nas::atomic_write_text(dir / "history.csv", csv.str());
  }

  std::vector<nas::Genotype> out;
  for (const Individual& b : evolution_.best(top)) {
    nas::Genotype g = b.genotype;
    g.meta = nas::Json{{"strategy", "evolution"},
                       {"trial", b.trial},
                       {"parent", b.genotype.meta.value("parent", -1)},
                       {fitness_, b.fitness},
                       {"params_as_trained", b.params},
                       {"trials", evolution_.trials_done()},
                       {"seed", ctx_.seed()},
                       {"dataset", data_->info().name}};
    out.push_back(std::move(g));
  }
  log_->info("evolution: best of {} trained architectures: trial {}, {} {:.4f}; {}", evolution_.trials_done(),
             out.front().meta["trial"].get<int64_t>(), fitness_, evolution_.fittest().fitness,
             nas::to_darts_text(out.front()));
  return out;
}

nas::Json EvolutionSearch::state_summary() const {
  const auto value = [](double f) { return std::isfinite(f) ? nas::Json(f) : nas::Json(); };  // null: diverged
  nas::Json population = nas::Json::array(), history = nas::Json::array();
  for (const Individual& p : evolution_.population())
    population.push_back({{"trial", p.trial}, {fitness_, value(p.fitness)}});
  for (const Individual& h : evolution_.history())
    history.push_back({{"trial", h.trial},
                       {"parent", h.genotype.meta.value("parent", -1)},
                       {fitness_, value(h.fitness)},
                       {"params", h.params}});
  return {{"trials", evolution_.trials_done()},
          {"rounds", evolution_.rounds_done()},
          {"rounds_total", evolution_.rounds_total()},
          {"fitness", fitness_},
          {"population", population},
          {"history", history}};
}

}  // namespace evolution
