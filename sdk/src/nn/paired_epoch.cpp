#include "nashost/nn/paired_epoch.hpp"

#include <algorithm>

#include "nashost/error.hpp"

namespace nas::nn {

PairedEpochResult run_paired_epoch(HostContext& ctx, BatchLoader& train, BatchLoader& valid, int64_t epoch,
                                   int64_t epochs, int64_t max_steps, const std::string& label,
                                   const std::function<double(const Batch&, const Batch&, double&)>& step) {
  train.start_epoch(epoch);
  valid.start_epoch(epoch);
  int64_t steps = std::min(train.batches_per_epoch(), valid.batches_per_epoch());
  if (max_steps > 0) steps = std::min(steps, max_steps);
  auto progress = ctx.progress(label + " epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs), steps);
  double sum_loss = 0, correct = 0, seen = 0;
  PairedEpochResult r;
  for (int64_t s = 0; s < steps; ++s) {
    if (ctx.stop_requested()) throw Interrupted("stopped on request");  // no partial epoch
    auto tb = train.next();
    auto vb = valid.next();
    if (!tb || !vb) break;
    const double loss = step(*tb, *vb, correct);
    sum_loss += loss;
    seen += static_cast<double>(tb->target.size(0));
    ++r.steps;
    ctx.metrics().scalar(label + "/step_train_loss", loss, epoch * steps + s);
    progress->advance();
    if (s % 10 == 0) progress->set_status("loss " + std::to_string(loss));
  }
  progress->finish();
  r.mean_loss = r.steps > 0 ? sum_loss / static_cast<double>(r.steps) : 0.0;
  r.accuracy = seen > 0 ? correct / seen : 0.0;
  return r;
}

}  // namespace nas::nn
