#include "nashost/nn/training_loop.hpp"

#include <cstdio>

#include "nashost/error.hpp"
#include "nashost/nn/precision.hpp"

namespace nas::nn {

void run_training_loop(HostContext& ctx, const TrainingLoop& loop) {
  if (!loop.begin_epoch || !loop.step || !loop.end_epoch)
    throw Error("run_training_loop('" + loop.label + "'): begin_epoch, step and end_epoch are required");
  const auto stop_if_requested = [&] {
    if (ctx.stop_requested()) throw Interrupted("stopped on request");
  };
  const int64_t every = loop.step_metric_every > 0 ? loop.step_metric_every : 1;
  int64_t global = 0;
  for (int64_t epoch = 0; epoch < loop.epochs; ++epoch) {
    stop_if_requested();
    const int64_t steps = loop.begin_epoch(epoch);
    auto bar =
        ctx.progress(loop.label + " epoch " + std::to_string(epoch + 1) + "/" + std::to_string(loop.epochs), steps);
    double sum = 0;
    int64_t done = 0;
    for (; done < steps; ++done, ++global) {
      stop_if_requested();
      std::optional<double> loss;
      {
        const AutocastScope bf16(ctx.device().type());  // --precision bf16: the step's forward in bfloat16
        loss = loop.step(epoch, done, global);
      }
      if (!loss) break;
      sum += *loss;
      if (!loop.step_metric.empty() && global % every == 0) ctx.metrics().scalar(loop.step_metric, *loss, global);
      bar->advance();
      const double mean = sum / static_cast<double>(done + 1);
      if (loop.status) {
        bar->set_status(loop.status(mean));
      } else {
        char text[48];
        std::snprintf(text, sizeof text, "loss %.4g", mean);
        bar->set_status(text);
      }
    }
    bar->finish();
    stop_if_requested();  // the last step may have been the one the signal arrived in
    loop.end_epoch(epoch, done, done > 0 ? sum / static_cast<double>(done) : 0.0);
  }
  stop_if_requested();  // nor is a training whose last epoch was cut short reported as done
}

}  // namespace nas::nn
