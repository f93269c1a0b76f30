#pragma once
// Regularised evolution's bookkeeping (Real et al. 2019, "Regularized Evolution for Image
// Classifier Architecture Search", Algorithm 1), apart from any training: the population is
// a queue by age, a parent is the fittest of `sample_size` members drawn with replacement,
// its child is one mutation away, and each new child pushes the *oldest* member out, however
// fit it is (the "regularisation": an architecture survives only by having good children).
//
// Trials go in rounds of `round_size`: a round's children are all proposed from the same
// population, trained (in parallel where there are several ranks), then accepted in trial
// order. The paper's many asynchronous workers behave alike (each tournament sees a
// population whose latest children are still training); round_size = 1 is Algorithm 1 to the
// letter. The first `population` trials are random architectures, and a round never mixes
// random ones with children.
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include <nashost/cell_sampler.hpp>
#include <nashost/config.hpp>
#include <nashost/genotype.hpp>

namespace evolution {

struct Individual {
  int64_t trial = 0;       ///< 0-based, in the order the trials were proposed
  nas::Genotype genotype;  ///< meta: trial, parent (-1 for a random one), mutation
  double fitness = 0;      ///< the trainer's fitness metric; -inf for a training that diverged
  int64_t params = 0;
};

struct Rules {
  int64_t population = 100;  ///< P, the paper's population size
  int64_t sample_size = 25;  ///< S, members drawn per tournament
  int64_t cycles = 20000;    ///< C, architectures trained in all (the first P at random)
  int64_t round_size = 1;    ///< children proposed from one population
  /// ConfigError naming the option when the numbers do not make a search.
  void check() const;
};

class Evolution {
 public:
  Evolution(Rules rules, nas::CellSampler sampler, uint64_t seed);

  /// The genotypes of the next round (empty when all `cycles` trials are done).
  std::vector<nas::Genotype> propose();
  /// The round's results, in trial order: each joins the population and the history; while
  /// the population holds more than P, the oldest member leaves.
  void accept(const std::vector<Individual>& round);

  bool done() const { return next_trial_ >= rules_.cycles; }
  int64_t trials_done() const { return next_trial_; }
  int64_t rounds_done() const { return rounds_done_; }
  int64_t rounds_total() const;
  const Rules& rules() const { return rules_; }
  const std::deque<Individual>& population() const { return population_; }
  const std::vector<Individual>& history() const { return history_; }
  /// The `k` fittest of the history, fittest first (an earlier trial first on a tie).
  std::vector<Individual> best(int64_t k) const;
  /// best(1).front() without sorting or copying the history (it must not be empty).
  const Individual& fittest() const;

  /// Everything to continue exactly (rules, trials, population, history, the generator).
  nas::Json to_json() const;
  /// Restores to_json(); ConfigError when the checkpoint's rules differ from this search's
  /// (only `cycles` may grow, to evolve for longer).
  void load_json(const nas::Json& state);

 private:
  /// S draws with replacement; the fittest wins (the first drawn on a tie).
  const Individual& tournament();

  Rules rules_;
  nas::CellSampler sampler_;
  std::mt19937_64 rng_;
  int64_t next_trial_ = 0;
  int64_t rounds_done_ = 0;
  std::deque<Individual> population_;
  std::vector<Individual> history_;
};

}  // namespace evolution
