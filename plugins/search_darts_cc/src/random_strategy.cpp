#include "random_strategy.hpp"

#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "options.hpp"
#include "random_genotypes.hpp"

namespace nas::darts_cc {

RandomShareStrategy::RandomShareStrategy(const Config& options)
    : count_(options.get_int("count")), seed_(options.get_int("seed")), nodes_(options.get_int("nodes")) {
  if (count_ < 2) throw ConfigError(options.full_key("count") + " must be at least 2");
  if (nodes_ < 1) throw ConfigError(options.full_key("nodes") + " must be at least 1");
}

Metrics RandomShareStrategy::run_epoch() { return {}; }

void RandomShareStrategy::save(const std::filesystem::path& file) const {
  atomic_write_text(file, Json{{"count", count_}, {"seed", seed_}}.dump());
}

void RandomShareStrategy::load(const std::filesystem::path&) {}  // stateless: the options say everything

std::vector<Genotype> RandomShareStrategy::derive(const Config& args) {
  const Config a = Config::validated(args.json(),
                                     {{"count", OptionType::Int, count_, "number of genotypes"},
                                      {"seed", OptionType::Int, seed_, "generator seed"}},
                                     args.path().empty() ? "derive" : args.path());
  return random_share_genotypes(a.get_int("count"), static_cast<uint64_t>(a.get_int("seed")), nodes_);
}

}  // namespace nas::darts_cc
