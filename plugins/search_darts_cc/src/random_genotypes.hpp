#pragma once
// The random-architecture baseline of DARTS-CC (docs/methods.md, DARTS-CC): genotype k of n has each of
// its 28 edges parametric (sep/dil convs) but replaced, with probability k/(n−1), by a
// parameter-free op (max/avg pool, skip, none). This spreads the baseline from large to
// parameter-free cells.
#include <cstdint>
#include <vector>

#include "nashost/genotype.hpp"

namespace nas::darts_cc {

/// `count` ≥ 2 genotypes, deterministic in `seed`. Op names come from the DARTS-CC
/// primitive order. Not bit-identical with the authors' numpy stream (seed 42): same
/// distribution, our own std::mt19937_64.
std::vector<Genotype> random_share_genotypes(int64_t count, uint64_t seed, int64_t nodes = 4);

}  // namespace nas::darts_cc
