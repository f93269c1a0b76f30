#pragma once
// The epoch loop every trainer shares: epochs of steps with a progress bar, the stop flag
// checked before every step and every epoch (nothing partial is returned after Ctrl-C), a
// running loss on the bar and, optionally, a scalar per step. The trainer supplies what
// differs: what an epoch starts with (learning rate, drop path, loaders), what one step
// does (forward, backward, the data-parallel average when it has one:
// nashost/nn/data_parallel.hpp, the optimiser step) and what an epoch ends with
// (evaluation, the best model, metrics, the log line).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "nashost/context.hpp"
#include "nashost/export.hpp"

namespace nas::nn {

struct TrainingLoop {
  /// The bar reads "<label> epoch e/E".
  std::string label;
  int64_t epochs = 1;
  /// When not empty: one scalar of this name per step with the step's loss, every
  /// `step_metric_every` steps (the step index counts across epochs from 0).
  std::string step_metric;
  int64_t step_metric_every = 1;
  /// Called first in every epoch; returns the number of steps of that epoch.
  std::function<int64_t(int64_t epoch)> begin_epoch;
  /// One step (`step` counts within the epoch, `global_step` across epochs); returns its
  /// loss, or nullopt when the data ran out before the planned number of steps. Throws
  /// nas::NumericError on a loss that is not finite (the trainer knows what to advise).
  std::function<std::optional<double>(int64_t epoch, int64_t step, int64_t global_step)> step;
  /// Optional: the bar's status after a step; default "loss <running mean of the epoch>".
  std::function<std::string(double mean_loss)> status;
  /// Called after the steps of every epoch with the steps done and their mean loss.
  std::function<void(int64_t epoch, int64_t steps_done, double mean_loss)> end_epoch;
};

/// Runs `loop` to the end. Throws nas::Interrupted when the host's stop flag is raised
/// (before a step or an epoch: a step is never cut in half, an epoch never reported half
/// done); exceptions of the callbacks pass through.
NASHOST_SDK_API void run_training_loop(HostContext& ctx, const TrainingLoop& loop);

}  // namespace nas::nn
