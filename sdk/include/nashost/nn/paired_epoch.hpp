#pragma once
// The training half of a search epoch that takes each step on a training and a validation
// batch (GDAS, PC-DARTS: a weight step and an architecture step), so a strategy writes only
// its step: both loaders started for the epoch, the steps capped, a progress bar, the stop
// flag between steps, a per-step loss scalar for a live TensorBoard, the means at the end.
#include <cstdint>
#include <functional>
#include <string>

#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/export.hpp"

namespace nas::nn {

struct PairedEpochResult {
  double mean_loss = 0.0;  ///< mean of the steps' returned losses (0 without steps)
  double accuracy = 0.0;   ///< the steps' correct predictions / training examples seen
  int64_t steps = 0;       ///< steps taken
};

/// Runs epoch `epoch` (0-based) of `epochs`: min(train, valid batches per epoch) steps, at most
/// `max_steps` (0 = no cap), ending early when a loader runs dry. `step(train, valid, correct)`
/// returns its training loss and adds its correct predictions to `correct`. Shows the bar
/// "<label> epoch e/E"; writes "<label>/step_train_loss"; throws nas::Interrupted when a stop
/// was requested (no partial epoch is kept).
NASHOST_SDK_API PairedEpochResult
run_paired_epoch(HostContext& ctx, BatchLoader& train, BatchLoader& valid, int64_t epoch, int64_t epochs,
                 int64_t max_steps, const std::string& label,
                 const std::function<double(const Batch& train, const Batch& valid, double& correct)>& step);

}  // namespace nas::nn
