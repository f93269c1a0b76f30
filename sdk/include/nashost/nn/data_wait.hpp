#pragma once
// How much of a training epoch goes to waiting for batches: the time spent inside the
// loaders' next() over the epoch's wall time so far. Trainers report it per epoch as the
// metric "data_wait_share" — on a GPU a step of tens of milliseconds must not wait on batch
// assembly (the loaders assemble ahead on their own threads; what is left is the hand-over).
#include <chrono>
#include <optional>

#include "nashost/dataset.hpp"

namespace nas::nn {

class DataWait {
 public:
  using Clock = std::chrono::steady_clock;

  /// Starts counting an epoch (resets the waiting time).
  void start_epoch() {
    epoch_start_ = Clock::now();
    waited_ = Clock::duration::zero();
  }
  /// loader.next(), timed.
  std::optional<Batch> next(BatchLoader& loader) {
    const auto t0 = Clock::now();
    auto batch = loader.next();
    waited_ += Clock::now() - t0;
    return batch;
  }
  /// Waiting time over the epoch's wall time so far (0 before any time passed).
  double share() const {
    const auto total = Clock::now() - epoch_start_;
    return total.count() > 0 ? std::chrono::duration<double>(waited_) / std::chrono::duration<double>(total) : 0.0;
  }

 private:
  Clock::time_point epoch_start_ = Clock::now();
  Clock::duration waited_ = Clock::duration::zero();
};

}  // namespace nas::nn
