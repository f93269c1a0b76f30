#include "nashost/parallel_trials.hpp"

#include <exception>
#include <string>

#include <ATen/ATen.h>

#include "nashost/collectives.hpp"
#include "nashost/error.hpp"

namespace nas {

std::vector<std::vector<double>> run_parallel_trials(int64_t n, int64_t width,
                                                     const std::function<std::vector<double>(int64_t)>& trial) {
  if (n < 0 || width < 1) throw Error("run_parallel_trials: needs n >= 0 trials of width >= 1");
  Collectives* const ranks = process_collectives();
  const int world = ranks ? ranks->world_size() : 1, rank = ranks ? ranks->rank() : 0;
  // Row i: trial i's numbers and a last column that says it failed. Rows another rank owns
  // stay zero here, so one sum over the ranks fills the table (x + 0 = x for every double).
  at::Tensor table = at::zeros({n, width + 1}, at::kDouble);
  double* row = table.data_ptr<double>();
  std::exception_ptr failure;
  for (int64_t i = 0; i < n && !failure; ++i) {
    if (i % world != rank) continue;
    try {
      std::vector<double> values;
      {
        const OneProcessScope alone;
        values = trial(i);
      }
      if (static_cast<int64_t>(values.size()) != width)
        throw Error("run_parallel_trials: trial " + std::to_string(i) + " gave " + std::to_string(values.size()) +
                    " numbers, not " + std::to_string(width));
      for (int64_t k = 0; k < width; ++k) row[i * (width + 1) + k] = values[static_cast<size_t>(k)];
    } catch (...) {
      failure = std::current_exception();
      row[i * (width + 1) + width] = 1.0;
      if (world == 1) std::rethrow_exception(failure);
    }
  }
  if (world > 1) {
    ranks->wait_for_all();  // trials take uneven times; the sum's own wait is bounded
    std::vector<at::Tensor> tensors{table};
    ranks->all_reduce_sum(tensors);
    table = tensors[0];
    row = table.data_ptr<double>();
  }
  if (failure) std::rethrow_exception(failure);
  std::vector<std::vector<double>> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double* r = row + i * (width + 1);
    if (r[width] != 0.0)
      throw Error("trial " + std::to_string(i) + " failed on rank " + std::to_string(i % world) +
                  "; that rank's log (log.rank" + std::to_string(i % world) + ".txt, log.txt for rank 0) says why");
    out[static_cast<size_t>(i)].assign(r, r + width);
  }
  return out;
}

}  // namespace nas
