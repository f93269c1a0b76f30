#include "random_strategy.hpp"

#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/nn/limits.hpp"
#include "options.hpp"
#include "random_genotypes.hpp"

namespace nas::darts_cc {

namespace {
// Far more genotypes than anyone trains, and a bound on what `count` may allocate.
constexpr int64_t kMaxCount = 100000;
}  // namespace

RandomShareStrategy::RandomShareStrategy(const Config& options)
    : count_(options.get_int_in("count", 2, kMaxCount)),
      seed_(options.get_int("seed")),
      nodes_(options.get_int_in("nodes", 1, nn::kMaxNodes)) {}

Metrics RandomShareStrategy::run_epoch() { return {}; }

void RandomShareStrategy::save(const std::filesystem::path& file) const {
  atomic_write_text(file, Json{{"count", count_}, {"seed", seed_}}.dump());
}

void RandomShareStrategy::load(const std::filesystem::path&) {}  // stateless: the options say everything

std::vector<Genotype> RandomShareStrategy::derive(const Config& args) {
  const Config a = Config::validated(
      args.json(),
      {{"count", OptionType::Int, count_, "number of genotypes"}, {"seed", OptionType::Int, seed_, "generator seed"}},
      args.path().empty() ? "derive" : args.path());
  return random_share_genotypes(a.get_int_in("count", 2, kMaxCount), static_cast<uint64_t>(a.get_int("seed")), nodes_);
}

}  // namespace nas::darts_cc
