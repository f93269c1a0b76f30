#include "graphene/sklearn_split.hpp"

#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "nashost/error.hpp"

namespace nas::data {

std::vector<int64_t> numpy_permutation(int64_t n, uint32_t seed) {
  if (n < 0 || n >= (int64_t{1} << 32))
    throw Error("numpy_permutation: n must be in [0, 2^32), got " + std::to_string(n));
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  // std::mt19937's seeding and output are fixed by the C++ standard and equal numpy's
  // mt19937_seed (init_genrand) and next_uint32.
  std::mt19937 mt(seed);
  for (int64_t i = n - 1; i >= 1; --i) {
    // numpy's legacy random_interval(i): mask to the next power of two minus one, reject > i.
    auto max = static_cast<uint32_t>(i), mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t j;
    do j = static_cast<uint32_t>(mt()) & mask;
    while (j > max);
    std::swap(p[static_cast<size_t>(i)], p[j]);
  }
  return p;
}

TrainTestIndices sklearn_train_test_split(int64_t n, double test_fraction, uint32_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    throw ConfigError("test fraction must be in (0, 1), got " + std::to_string(test_fraction));
  // sklearn: n_test = ceil(test_size * n_samples), n_train = n_samples - n_test.
  const auto n_test = static_cast<int64_t>(std::ceil(test_fraction * static_cast<double>(n)));
  if (n_test < 1 || n - n_test < 1)
    throw DataError("cannot split " + std::to_string(n) + " samples into train and test with test fraction " +
                    std::to_string(test_fraction) + ": one part would be empty");
  const auto perm = numpy_permutation(n, seed);
  TrainTestIndices s;
  s.test.assign(perm.begin(), perm.begin() + n_test);
  s.train.assign(perm.begin() + n_test, perm.end());
  return s;
}

}  // namespace nas::data
