#pragma once
// scikit-learn's train_test_split(..., test_size=f, random_state=seed), index for index.
//
// sklearn draws numpy.random.RandomState(seed).permutation(n) (MT19937 seeded by
// init_genrand, a Fisher-Yates shuffle from the back with masked rejection sampling) and
// takes the first ceil(f·n) entries as the test rows, the rest as the training rows, both in
// permutation order. Reproducing it lets us use the exact split of the capstone's graphene runs.
#include <cstdint>
#include <vector>

namespace nas::data {

/// numpy.random.RandomState(seed).permutation(n) (legacy generator); n < 2^32.
std::vector<int64_t> numpy_permutation(int64_t n, uint32_t seed);

struct TrainTestIndices {
  std::vector<int64_t> train, test;  ///< in permutation order, like sklearn's output arrays
};
/// train_test_split with a float test_size in (0, 1) and an int random_state.
TrainTestIndices sklearn_train_test_split(int64_t n, double test_fraction, uint32_t seed);

}  // namespace nas::data
