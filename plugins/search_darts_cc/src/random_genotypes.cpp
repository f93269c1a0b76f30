#include "random_genotypes.hpp"

#include <random>

#include "cell_layout.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"

namespace nas::darts_cc {

std::vector<Genotype> random_share_genotypes(int64_t count, uint64_t seed, int64_t nodes) {
  if (count < 2) throw ConfigError("random baseline: count must be at least 2, got " + std::to_string(count));
  // Indices in the DARTS-CC order (darts_cc_op_order()).
  const std::vector<int64_t> parametric{3, 4, 5, 6}, parameter_free{0, 1, 2, 7};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, 3);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  const int64_t edges = num_edges(nodes);
  std::vector<Genotype> out;
  for (int64_t k = 0; k < count; ++k) {
    const double p = static_cast<double>(k) / static_cast<double>(count - 1);
    std::vector<int64_t> ops(2 * edges);
    for (auto& op : ops) {
      op = parametric[pick(rng)];
      if (coin(rng) < p) op = parameter_free[pick(rng)];
    }
    // First block = reduce cell, as in the authors' files ([reduce, normal]).
    Json file = Json::array();
    for (int cell = 0; cell < 2; ++cell) {
      Json cj = Json::array();
      for (int64_t node = 0; node < nodes; ++node) {
        Json row = Json::array();
        for (int64_t input = 0; input < node + 2; ++input) row.push_back(ops[cell * edges + first_edge(node) + input]);
        cj.push_back(row);
      }
      file.push_back(cj);
    }
    Genotype g = genotype_from_darts_cc_json(file);
    g.meta = Json{{"strategy", "darts-cc-random"},
                  {"k", k},
                  {"parameter_free_share", p},
                  {"seed", seed},
                  {"darts_cc_json", file}};
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace nas::darts_cc
