#include "population.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include <nashost/error.hpp>

namespace evolution {

namespace {

nas::Json individual_json(const Individual& m) {
  // JSON has no infinity: a diverged training is written as null.
  return nas::Json{{"trial", m.trial},
                   {"genotype", nas::to_json(m.genotype)},
                   {"fitness", std::isfinite(m.fitness) ? nas::Json(m.fitness) : nas::Json()},
                   {"params", m.params}};
}

Individual individual_from(const nas::Json& j) {
  Individual m;
  m.trial = j.at("trial").get<int64_t>();
  m.genotype = nas::genotype_from_json(j.at("genotype"));
  m.fitness = j.at("fitness").is_null() ? -std::numeric_limits<double>::infinity() : j.at("fitness").get<double>();
  m.params = j.at("params").get<int64_t>();
  return m;
}

nas::Json rules_json(const Rules& r) {
  return nas::Json{
      {"population", r.population}, {"sample_size", r.sample_size}, {"cycles", r.cycles}, {"round_size", r.round_size}};
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

void Rules::check() const {
  if (population < 1) throw nas::ConfigError("evolution: population must be >= 1");
  if (sample_size < 1 || sample_size > population)
    throw nas::ConfigError("evolution: sample_size must be in [1, population = " + std::to_string(population) +
                           "], got " + std::to_string(sample_size));
  if (cycles < population)
    throw nas::ConfigError("evolution: cycles (architectures trained in all) must be >= population = " +
                           std::to_string(population) + ", got " + std::to_string(cycles));
  if (round_size < 1) throw nas::ConfigError("evolution: round_size must be >= 1");
}

Evolution::Evolution(Rules rules, nas::CellSampler sampler, uint64_t seed)
    : rules_(rules), sampler_(std::move(sampler)), rng_(seed) {
  rules_.check();
}

int64_t Evolution::rounds_total() const {
  return ceil_div(rules_.population, rules_.round_size) +
         ceil_div(rules_.cycles - rules_.population, rules_.round_size);
}

const Individual& Evolution::tournament() {
  std::uniform_int_distribution<size_t> draw(0, population_.size() - 1);
  const Individual* best = &population_[draw(rng_)];
  for (int64_t i = 1; i < rules_.sample_size; ++i) {
    const Individual& candidate = population_[draw(rng_)];
    if (candidate.fitness > best->fitness) best = &candidate;
  }
  return *best;
}

std::vector<nas::Genotype> Evolution::propose() {
  const bool filling = next_trial_ < rules_.population;
  const int64_t end = std::min(next_trial_ + rules_.round_size, filling ? rules_.population : rules_.cycles);
  std::vector<nas::Genotype> round;
  for (int64_t trial = next_trial_; trial < end; ++trial) {
    nas::Genotype g;
    if (filling) {
      g = sampler_.genotype(sampler_.sample(rng_));
      g.meta = nas::Json{{"trial", trial}, {"parent", -1}};
    } else {
      const Individual& parent = tournament();
      nas::CellMutation m;
      g = sampler_.mutate(parent.genotype, rng_, &m);
      g.meta = nas::Json{
          {"trial", trial},
          {"parent", parent.trial},
          {"mutation", std::string(m.reduce ? "reduce" : "normal") + " node " + std::to_string(m.node) + " edge " +
                           std::to_string(m.edge) + (m.input ? " input " : " op ") + m.before + " -> " + m.after}};
    }
    round.push_back(std::move(g));
  }
  return round;
}

void Evolution::accept(const std::vector<Individual>& round) {
  for (const Individual& child : round) {
    if (child.trial != next_trial_)
      throw nas::Error("evolution: trial " + std::to_string(child.trial) + " accepted where trial " +
                       std::to_string(next_trial_) + " was due");
    population_.push_back(child);
    history_.push_back(child);
    ++next_trial_;
    while (static_cast<int64_t>(population_.size()) > rules_.population) population_.pop_front();
  }
  ++rounds_done_;
}

std::vector<Individual> Evolution::best(int64_t k) const {
  std::vector<Individual> sorted = history_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Individual& a, const Individual& b) { return a.fitness > b.fitness; });
  sorted.resize(std::min<size_t>(sorted.size(), static_cast<size_t>(std::max<int64_t>(k, 0))));
  return sorted;
}

const Individual& Evolution::fittest() const {
  // max_element keeps the first of equal maxima: the earlier trial, as best() orders them.
  return *std::max_element(history_.begin(), history_.end(),
                           [](const Individual& a, const Individual& b) { return a.fitness < b.fitness; });
}

nas::Json Evolution::to_json() const {
  std::ostringstream rng;
  rng << rng_;
  nas::Json population = nas::Json::array(), history = nas::Json::array();
  for (const auto& m : population_) population.push_back(m.trial);
  for (const auto& m : history_) history.push_back(individual_json(m));
  return nas::Json{{"rules", rules_json(rules_)}, {"next_trial", next_trial_}, {"rounds_done", rounds_done_},
                   {"population", population},    {"history", history},        {"rng", rng.str()}};
}

void Evolution::load_json(const nas::Json& state) {
  nas::Json saved = state.at("rules"), mine = rules_json(rules_);
  const int64_t trials = state.at("next_trial").get<int64_t>();
  if (saved.at("cycles").get<int64_t>() != rules_.cycles && rules_.cycles >= trials)
    saved["cycles"] = rules_.cycles;  // evolving for longer (or less, not below what is done) is fine
  if (saved != mine)
    throw nas::ConfigError("evolution: the checkpoint was made with " + saved.dump() + ", this search has " +
                           mine.dump() + ": resume with the same options, or start a new run");
  std::vector<Individual> history;
  for (const auto& j : state.at("history")) history.push_back(individual_from(j));
  std::deque<Individual> population;
  for (const auto& t : state.at("population")) {
    const int64_t trial = t.get<int64_t>();
    if (trial < 0 || trial >= static_cast<int64_t>(history.size()))
      throw nas::Error("evolution checkpoint: population member " + std::to_string(trial) + " is not in the history");
    population.push_back(history[static_cast<size_t>(trial)]);
  }
  std::istringstream text(state.at("rng").get<std::string>());
  std::mt19937_64 rng;
  text >> rng;
  if (!text) throw nas::Error("evolution checkpoint: the random generator's state is unreadable");
  const int64_t rounds = state.at("rounds_done").get<int64_t>();
  if (static_cast<int64_t>(history.size()) != trials)
    throw nas::Error("evolution checkpoint: " + std::to_string(history.size()) + " trials in the history, " +
                     std::to_string(trials) + " recorded as done");
  rng_ = rng;
  history_ = std::move(history);
  population_ = std::move(population);
  next_trial_ = trials;
  rounds_done_ = rounds;
}

}  // namespace evolution
