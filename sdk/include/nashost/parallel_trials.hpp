#pragma once
// Independent trials (a multi-trial strategy's candidates, each trained on its own) shared by
// the ranks of a distributed run, for strategies written in C++ as nas.parallel does for
// scripts: trial i runs on rank i mod N alone (in a nas::OneProcessScope, so what it trains
// does not wait for the busy ranks), and every rank gets every trial's numbers back. With
// one process the trials simply run in order. The numbers are those of one process whatever
// N, provided a trial depends on its index only (trainers reseed from the run's seed).
#include <cstdint>
#include <functional>
#include <vector>

#include "nashost/export.hpp"

namespace nas {

/// Runs trial(i) for the i in [0, n) this rank owns and returns, on every rank, row i =
/// trial(i)'s `width` numbers (any double, NaN and ±inf included). A trial that throws stops
/// the call on every rank once all have arrived: its own rank rethrows the exception (so a
/// ConfigError stays one), the others throw nas::Error naming the trial and the rank; the
/// remaining trials of the failing rank are not started. A rank that dies makes the others
/// throw nas::Error naming it (Collectives::wait_for_all).
NASHOST_SDK_API std::vector<std::vector<double>> run_parallel_trials(
    int64_t n, int64_t width, const std::function<std::vector<double>(int64_t trial)>& trial);

}  // namespace nas
