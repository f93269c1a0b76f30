// evolution: one mutation per child (the SDK's CellSampler::mutate), the population's age and
// tournament rules on a toy fitness (no training), the strategy with a toy trainer (fitness
// from the genotype): rounds, diverged children, exact resume, options that cannot work.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <unistd.h>

#include <nashost/error.hpp>
#include <nashost/genotype_formats.hpp>
#include <nashost/nn/darts_ops.hpp>
#include <nashost/support/remove_tree.hpp>
#include <nashost/support/standalone_context.hpp>
#include <nashost/support/tensor_dataset.hpp>

#include "evolution_search.hpp"
#include "population.hpp"

namespace {

const std::vector<std::string>& darts_ops() { return nas::nn::darts_primitives(); }

// The toy fitness: how many edges of both cells are sep_conv_3x3 (0..16 with 4 nodes).
double toy_fitness(const nas::Genotype& g) {
  double n = 0;
  for (const auto* cell : {&g.normal, &g.reduce})
    for (const auto& node : cell->nodes)
      for (const auto& e : node) n += e.op == "sep_conv_3x3" ? 1 : 0;
  return n;
}

// The edges (cell, node, slot) at which two genotypes differ, and how.
struct Difference {
  int changed_edges = 0, op_changes = 0, input_changes = 0;
};
Difference difference(const nas::Genotype& a, const nas::Genotype& b) {
  Difference d;
  const nas::CellGenotype* ca[] = {&a.normal, &a.reduce};
  const nas::CellGenotype* cb[] = {&b.normal, &b.reduce};
  for (int c = 0; c < 2; ++c)
    for (size_t i = 0; i < ca[c]->nodes.size(); ++i)
      for (size_t k = 0; k < 2; ++k) {
        const auto &x = ca[c]->nodes[i][k], &y = cb[c]->nodes[i][k];
        if (x == y) continue;
        ++d.changed_edges;
        d.op_changes += x.op != y.op;
        d.input_changes += x.input != y.input;
      }
  return d;
}

TEST(Mutation, ChangesExactlyOneOpOrOneInputAndKeepsACellValid) {
  const nas::CellSampler sampler(darts_ops(), 4);
  std::mt19937_64 rng(11);
  std::map<std::string, int> kinds;
  std::set<std::pair<bool, int>> places;  // (reduce, node) reached
  for (int i = 0; i < 4000; ++i) {
    const nas::Genotype parent = sampler.genotype(sampler.sample(rng));
    nas::CellMutation m;
    const nas::Genotype child = sampler.mutate(parent, rng, &m);
    const Difference d = difference(parent, child);
    ASSERT_EQ(d.changed_edges, 1) << "a child differs from its parent in exactly one edge";
    ASSERT_EQ(d.op_changes + d.input_changes, 1) << "either its op or its input, not both";
    ASSERT_EQ(m.input, d.input_changes == 1);
    places.insert({m.reduce, m.node});
    ++kinds[m.input ? "input" : "op"];
    for (const auto* cell : {&child.normal, &child.reduce})
      for (size_t n = 0; n < cell->nodes.size(); ++n) {
        const auto& node = cell->nodes[n];
        ASSERT_NE(node[0].input, node[1].input) << "a node's two inputs stay distinct";
        for (const auto& e : node) {
          ASSERT_LT(e.input, static_cast<int>(n) + 2) << "an input comes before its node";
          ASSERT_NE(e.op, "none");
        }
      }
    if (m.node == 0) ASSERT_FALSE(m.input) << "node 0 has no other input to take";
  }
  EXPECT_EQ(places.size(), 8u) << "every node of both cells can mutate";
  // Input changes happen on nodes 1..3 only when drawn (half the time), op changes otherwise:
  // expected share of input changes = 1/2 * 3/4 = 3/8.
  const double input_share = kinds["input"] / 4000.0;
  EXPECT_NEAR(input_share, 0.375, 0.03);
}

TEST(Mutation, RefusesAGenotypeOfAnotherShape) {
  const nas::CellSampler sampler(darts_ops(), 4);
  std::mt19937_64 rng(1);
  nas::Genotype g = sampler.genotype(sampler.sample(rng));
  g.normal.nodes.pop_back();
  EXPECT_THROW(sampler.mutate(g, rng), nas::ConfigError);
  const nas::CellSampler one_op({"none", "skip_connect"}, 1);
  const nas::Genotype only = one_op.genotype(one_op.sample(rng));
  EXPECT_THROW(one_op.mutate(only, rng), nas::ConfigError) << "node 0 with one op can change nothing";
}

// Runs Evolution to the end on the toy fitness; checks the age rule after every round.
std::vector<evolution::Individual> evolve(evolution::Rules rules, uint64_t seed) {
  evolution::Evolution evo(rules, nas::CellSampler(darts_ops(), 4), seed);
  while (!evo.done()) {
    std::set<int64_t> alive;
    for (const auto& p : evo.population()) alive.insert(p.trial);
    std::vector<evolution::Individual> round;
    for (const nas::Genotype& g : evo.propose()) {
      evolution::Individual m{g.meta.at("trial").get<int64_t>(), g, toy_fitness(g), 0};
      const int64_t parent = g.meta.at("parent").get<int64_t>();
      if (parent >= 0) {
        EXPECT_TRUE(alive.count(parent)) << "a parent is a member of the population";
        EXPECT_EQ(difference(evo.history()[static_cast<size_t>(parent)].genotype, g).changed_edges, 1);
      } else {
        EXPECT_LT(m.trial, rules.population) << "only the first P trials are random";
      }
      round.push_back(m);
    }
    evo.accept(round);
    // Age, not fitness: the population is exactly the latest min(trials, P) trials.
    const int64_t n = std::min(evo.trials_done(), rules.population);
    EXPECT_EQ(static_cast<int64_t>(evo.population().size()), n);
    for (int64_t k = 0; k < n; ++k)
      EXPECT_EQ(evo.population()[static_cast<size_t>(k)].trial, evo.trials_done() - n + k);
  }
  EXPECT_EQ(evo.rounds_done(), evo.rounds_total());
  return evo.history();
}

TEST(Population, AgesOutTheOldestAndEvolvesPastRandomSearch) {
  for (uint64_t seed : {1, 2, 3}) {
    const auto history = evolve({.population = 20, .sample_size = 5, .cycles = 400, .round_size = 2}, seed);
    ASSERT_EQ(history.size(), 400u);
    double best_random = 0, best_evolved = 0;
    for (const auto& m : history) best_evolved = std::max(best_evolved, m.fitness);
    // Random search with the same number of trials and seed.
    std::mt19937_64 rng(seed + 100);
    const nas::CellSampler sampler(darts_ops(), 4);
    for (int i = 0; i < 400; ++i)
      best_random = std::max(best_random, toy_fitness(sampler.genotype(sampler.sample(rng))));
    EXPECT_GE(best_evolved, best_random + 3) << "seed " << seed << ": selection must beat random search by far";
  }
}

TEST(Population, TheBestAgesOutOfThePopulationButNotOutOfTheHistory) {
  // No elitism: trial 0 is by far the fittest, and P = 3 children later it has left.
  const evolution::Rules rules{.population = 3, .sample_size = 3, .cycles = 6, .round_size = 1};
  evolution::Evolution evo(rules, nas::CellSampler(darts_ops(), 4), 9);
  while (!evo.done()) {
    std::vector<evolution::Individual> round;
    for (const nas::Genotype& g : evo.propose()) {
      const int64_t t = g.meta.at("trial").get<int64_t>();
      round.push_back({t, g, t == 0 ? 100.0 : 1.0, 0});
    }
    evo.accept(round);
  }
  for (const auto& p : evo.population()) EXPECT_NE(p.trial, 0);
  EXPECT_EQ(evo.population().front().trial, 3);
  EXPECT_EQ(evo.best(1).front().trial, 0) << "derive() still finds it in the history";
  EXPECT_EQ(evo.fittest().trial, 0);
}

TEST(Population, TournamentPicksTheFittestOfSWithReplacement) {
  // Population of P = 10 with fitness 0..9, one round of 20,000 children: the parent is the
  // member of rank i (0 = fittest) with probability ((P-i)/P)^S - ((P-i-1)/P)^S.
  const int64_t P = 10, S = 3, N = 20000;
  evolution::Evolution evo({.population = P, .sample_size = S, .cycles = P + N, .round_size = N},
                           nas::CellSampler(darts_ops(), 4), 5);
  std::vector<evolution::Individual> first;
  for (const nas::Genotype& g : evo.propose()) {
    const int64_t t = g.meta.at("trial").get<int64_t>();
    first.push_back({t, g, static_cast<double>((t * 7) % P), 0});  // a permutation of 0..9
  }
  evo.accept(first);
  std::vector<int64_t> counts(P, 0);
  for (const nas::Genotype& g : evo.propose()) {
    const int64_t parent = g.meta.at("parent").get<int64_t>();
    ++counts[static_cast<size_t>(P - 1 - static_cast<int64_t>(first[static_cast<size_t>(parent)].fitness))];
  }
  double chi2 = 0;
  for (int64_t i = 0; i < P; ++i) {
    const double p = std::pow(double(P - i) / P, S) - std::pow(double(P - i - 1) / P, S);
    const double expected = p * N;
    const double c = static_cast<double>(counts[static_cast<size_t>(i)]);
    chi2 += (c - expected) * (c - expected) / expected;
  }
  EXPECT_LT(chi2, 27.88) << "chi-square with 9 degrees of freedom, upper 0.1 % point";
}

// --- the strategy, with a trainer that "trains" by counting ops --------------------------

class ToyTrainer : public nas::Trainer {
 public:
  explicit ToyTrainer(nas::Json options) : options_(std::move(options)) {}
  int64_t count_params(const nas::Genotype&, nas::Dataset&) override { return 0; }
  nas::TrainResult train(const nas::Genotype& g, nas::Dataset&) override {
    ++trained;
    nas::TrainResult r;
    if (options_.value("diverge_below", -1.0) > toy_fitness(g)) throw nas::NumericError("loss is nan");
    r.params = 1000 + static_cast<int64_t>(toy_fitness(g));
    r.metrics[options_.value("metric", std::string("valid_accuracy"))] = toy_fitness(g) / 16.0;
    r.metrics["test_accuracy"] = 0.5;
    return r;
  }
  static inline int trained = 0;

 private:
  nas::Json options_;
};

std::unique_ptr<nas::StandaloneContext> context(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("evolution-test-" + name + "-" + std::to_string(::getpid()));
  nas::remove_tree(dir);
  std::filesystem::create_directories(dir);
  auto ctx = std::make_unique<nas::StandaloneContext>(dir, 4);
  ctx->add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  ctx->add_trainer("toy", [](const nas::Json& o, nas::HostContext&) { return std::make_shared<ToyTrainer>(o); });
  return ctx;
}

nas::Config options(nas::Json extra = nas::Json::object()) {
  nas::Json o{{"population", 6}, {"sample_size", 2}, {"cycles", 20}, {"round_size", 4}, {"trainer", "toy"}};
  for (const auto& [k, v] : extra.items()) o[k] = v;
  return nas::Config::validated(o, evolution::search_options(), "search");
}

std::shared_ptr<nas::Dataset> data() { return nas::TensorDataset::random(8, 1, 8, 4, 0); }

std::vector<std::pair<nas::Genotype, double>> history_of(const evolution::EvolutionSearch& s) {
  std::vector<std::pair<nas::Genotype, double>> out;
  for (const auto& m : s.evolution().history()) out.emplace_back(m.genotype, m.fitness);
  return out;
}

TEST(EvolutionSearch, RunsInRoundsAndDerivesTheFittest) {
  auto ctx = context("rounds");
  evolution::EvolutionSearch s(options(), data(), *ctx);
  EXPECT_EQ(s.total_epochs(), 2 + 4);  // 6 random in rounds of 4 and 2, 14 children in 4 rounds
  ToyTrainer::trained = 0;
  nas::Metrics last;
  while (s.completed_epochs() < s.total_epochs()) last = s.run_epoch();
  EXPECT_EQ(ToyTrainer::trained, 20);
  EXPECT_EQ(last.at("trials"), 20.0);
  const auto top = s.derive(nas::Config(nas::Json{{"top", 3}}));
  ASSERT_EQ(top.size(), 3u);
  EXPECT_DOUBLE_EQ(top[0].meta.at("valid_accuracy").get<double>(), last.at("best_valid_accuracy"));
  EXPECT_GE(top[0].meta.at("valid_accuracy").get<double>(), top[2].meta.at("valid_accuracy").get<double>());
  EXPECT_FALSE(top[0].meta.contains("label"))
      << "a derived genotype must not send a new training into a child's folder";
  EXPECT_TRUE(std::filesystem::exists(ctx->run_dir() / "search" / "evolution" / "history.csv"));
}

TEST(EvolutionSearch, ResumesExactly) {
  auto ctx_a = context("resume-a");
  evolution::EvolutionSearch a(options(), data(), *ctx_a);
  while (a.completed_epochs() < a.total_epochs()) a.run_epoch();

  auto ctx_b = context("resume-b");
  const auto ckpt = ctx_b->run_dir() / "search.ckpt";
  {
    evolution::EvolutionSearch b(options(), data(), *ctx_b);
    for (int i = 0; i < 3; ++i) b.run_epoch();  // past the random rounds, into the children
    b.save(ckpt);
  }
  evolution::EvolutionSearch c(options(), data(), *ctx_b);
  c.load(ckpt);
  EXPECT_EQ(c.completed_epochs(), 3);
  while (c.completed_epochs() < c.total_epochs()) c.run_epoch();
  EXPECT_EQ(history_of(c), history_of(a)) << "the same trials, genotypes and fitness as without the stop";

  evolution::EvolutionSearch other(options({{"population", 5}}), data(), *ctx_b);
  EXPECT_THROW(other.load(ckpt), nas::ConfigError) << "another population size cannot continue the checkpoint";
  evolution::EvolutionSearch longer(options({{"cycles", 30}}), data(), *ctx_b);
  EXPECT_NO_THROW(longer.load(ckpt)) << "more cycles continue the same evolution";
}

TEST(EvolutionSearch, ADamagedCheckpointIsRefusedAndChangesNothing) {
  auto ctx = context("damaged");
  const auto ckpt = ctx->run_dir() / "search.ckpt";
  evolution::EvolutionSearch a(options(), data(), *ctx);
  for (int i = 0; i < 3; ++i) a.run_epoch();
  a.save(ckpt);
  nas::Json state = nas::Json::parse(std::ifstream(ckpt));
  const auto write = [&](const nas::Json& j) { std::ofstream(ckpt) << j.dump(); };
  evolution::EvolutionSearch b(options(), data(), *ctx);
  b.run_epoch();
  const auto before = history_of(b);
  for (const char* key : {"history", "rng", "rules", "population"}) {
    nas::Json broken = state;
    broken.erase(key);
    write(broken);
    EXPECT_THROW(b.load(ckpt), nas::Error) << "without " << key;
    EXPECT_EQ(history_of(b), before) << "a refused checkpoint leaves the search as it was";
  }
  nas::Json short_history = state;
  short_history["history"].erase(short_history["history"].size() - 1);
  write(short_history);
  EXPECT_THROW(b.load(ckpt), nas::Error);
  std::ofstream(ckpt) << "{\"format\": ";
  EXPECT_THROW(b.load(ckpt), nas::Error) << "truncated";
  EXPECT_EQ(b.completed_epochs(), 1);
}

TEST(EvolutionSearch, AnArchitectureIsTrainedOnce) {
  // One node per cell (only its ops can change) and a population of 2: children repeat
  // their siblings and grandparents often. Each repeat reuses the first training's result.
  auto ctx = context("once");
  evolution::EvolutionSearch s(
      options({{"nodes", 1}, {"population", 2}, {"sample_size", 1}, {"cycles", 34}, {"round_size", 16}}), data(), *ctx);
  ToyTrainer::trained = 0;
  while (s.completed_epochs() < s.total_epochs()) s.run_epoch();
  std::set<std::string> distinct;
  int repeats = 0;
  for (const auto& m : s.evolution().history()) {
    distinct.insert(nas::to_darts_text(m.genotype));
    if (!m.genotype.meta.contains("same_as")) continue;
    ++repeats;
    const auto& first = s.evolution().history()[m.genotype.meta["same_as"].get<size_t>()];
    EXPECT_EQ(first.genotype, m.genotype);
    EXPECT_EQ(first.fitness, m.fitness);
    EXPECT_EQ(first.params, m.params);
    EXPECT_FALSE(first.genotype.meta.contains("same_as")) << "a repeat points at the first training";
  }
  EXPECT_GT(repeats, 0);
  EXPECT_EQ(ToyTrainer::trained, static_cast<int>(distinct.size()));
  EXPECT_EQ(repeats + static_cast<int>(distinct.size()), 34);
}

TEST(EvolutionSearch, DivergedChildrenAreLeastFitNotFatal) {
  auto ctx = context("diverged");
  evolution::EvolutionSearch s(options({{"trainer_options", {{"diverge_below", 2.0}}}}), data(), *ctx);
  int64_t diverged = 0;
  while (s.completed_epochs() < s.total_epochs()) diverged += static_cast<int64_t>(s.run_epoch().at("diverged"));
  EXPECT_GT(diverged, 0);
  for (const auto& m : s.evolution().history()) {
    EXPECT_EQ(std::isinf(m.fitness), toy_fitness(m.genotype) < 2.0) << "trial " << m.trial;
    if (std::isinf(m.fitness)) EXPECT_LT(m.fitness, 0);
  }
  EXPECT_EQ(s.evolution().history().size(), 20u) << "the search went on to the end";
}

TEST(EvolutionSearch, RefusesOptionsThatCannotWork) {
  auto ctx = context("refuse");
  EXPECT_THROW(evolution::EvolutionSearch(options({{"sample_size", 7}}), data(), *ctx), nas::ConfigError);
  EXPECT_THROW(evolution::EvolutionSearch(options({{"cycles", 5}}), data(), *ctx), nas::ConfigError);
  EXPECT_THROW(evolution::EvolutionSearch(options({{"fitness", "test_accuracy"}}), data(), *ctx), nas::ConfigError);
  EXPECT_THROW(evolution::EvolutionSearch(options({{"trainer", "no-such-trainer"}}), data(), *ctx), nas::ConfigError);
  EXPECT_THROW(evolution::EvolutionSearch(options({{"label", "../escape"}}), data(), *ctx), nas::ConfigError);
  evolution::EvolutionSearch wrong_metric(options({{"trainer_options", {{"metric", "valid_r2"}}}}), data(), *ctx);
  try {
    wrong_metric.run_epoch();
    FAIL() << "a fitness the trainer does not report must stop the search";
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("reported no 'valid_accuracy'"), std::string::npos) << e.what();
  }
}

}  // namespace
