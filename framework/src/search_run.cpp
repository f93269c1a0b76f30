#include "search_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace nas::host {
namespace fs = std::filesystem;

fs::path checkpoint_file(const Session& s, const std::string& label) {
  return s.run_dir / "checkpoints" / (label + ".ckpt");
}

std::shared_ptr<SearchRun> open_search(Session& s, const std::string& name, const Json& options,
                                       std::shared_ptr<Dataset> data, const std::string& label) {
  auto search = std::make_shared<SearchRun>();
  search->name = name;
  search->label = label;
  search->data = data;
  search->strategy = s.registry->make_strategy(name, options, data, *s.context);
  const fs::path ckpt = checkpoint_file(s, label);
  std::error_code ec;
  if (s.resumed && !fs::exists(ckpt, ec))
    s.log->warn(
        "--resume: search '{}' has no checkpoint ({}): it starts again from epoch 1 (the earlier run had not "
        "completed an epoch of it, or the file was removed)",
        label, ckpt.string());
  if (fs::exists(ckpt, ec)) {
    search->strategy->load(ckpt);
    search->loaded_checkpoint = true;
    s.log->info("search '{}': resumed from {} after epoch {}/{}", label, ckpt.string(),
                search->strategy->completed_epochs(), search->strategy->total_epochs());
  }
  return search;
}

std::string metrics_line(const Metrics& m) {
  std::string out;
  char buf[96];
  for (const auto& [k, v] : m) {
    std::snprintf(buf, sizeof(buf), "%s%s %.4g", out.empty() ? "" : ", ", k.c_str(), v);
    out += buf;
  }
  return out;
}

Metrics run_search(Session& s, SearchRun& h, int64_t until) {
  Metrics last;
  // An epoch cut short by the signal is not checkpointed: the checkpoint on disk stays the
  // one of the last complete epoch, so --resume repeats the cut one in full (the same
  // result as a run that was never stopped).
  int64_t epoch_on_disk = h.strategy->completed_epochs();
  const auto stop_if_requested = [&] {
    if (!s.context->stop_requested()) return;
    s.log->warn("search '{}': stopped by {}; {}, continue with --resume", h.label, stop_signal_name(),
                epoch_on_disk > 0 ? "the checkpoint after epoch " + std::to_string(epoch_on_disk) + " is kept"
                                  : std::string("no epoch had completed"));
    throw Interrupted("search '" + h.label + "' interrupted by " + stop_signal_name());
  };
  if (!h.clock_counted) {  // epochs a resumed search does not run again
    s.clock.epochs_skipped(RunClock::Kind::Search, h.strategy->completed_epochs());
    h.clock_counted = true;
  }
  double search_seconds = 0;
  int64_t timed_epochs = 0;
  while (h.strategy->completed_epochs() < std::min(until, h.strategy->total_epochs())) {
    stop_if_requested();
    const auto t0 = std::chrono::steady_clock::now();
    try {
      last = h.strategy->run_epoch();
    } catch (const NumericError& e) {  // diverged: say what is still good on disk
      const int64_t done = h.strategy->completed_epochs();
      throw NumericError(std::string(e.what()) + "; search '" + h.label + "': " +
                         (done > 0 ? "the checkpoint after epoch " + std::to_string(done) + " is kept (" +
                                         checkpoint_file(s, h.label).string() + ")"
                                   : std::string("no epoch had completed, nothing was saved")));
    }
    stop_if_requested();
    const int64_t epoch = h.strategy->completed_epochs();
    for (const auto& [k, v] : last) {
      if (!std::isfinite(v)) s.log->warn("search '{}': metric {} is {} at epoch {}", h.label, k, v, epoch);
      s.context->metrics().scalar(h.label + "/" + k, v, epoch);
    }
    s.context->metrics().flush();
    const fs::path ckpt = checkpoint_file(s, h.label);
    try {
      // Every rank holds the same search state and rank 0 keeps it, unless the search is
      // part of a nas.parallel trial, which only the rank running it has.
      if (s.is_main_rank() || s.record_capture)
        atomic_write_file(ckpt, [&](const fs::path& tmp) { h.strategy->save(tmp); });
    } catch (const Error& e) {  // a full disk, above all: say what is still good
      throw Error(std::string(e.what()) + "; search '" + h.label + "': " +
                  (epoch_on_disk > 0 ? "the checkpoint after epoch " + std::to_string(epoch_on_disk) + " is kept"
                                     : std::string("no checkpoint was saved")) +
                  "; free space and continue with --resume");
    }
    epoch_on_disk = epoch;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.clock.epoch_done(RunClock::Kind::Search, secs);
    search_seconds += secs;
    ++timed_epochs;
    const double stage_eta = static_cast<double>(h.strategy->total_epochs() - epoch) * search_seconds / timed_epochs;
    s.log->info("{} epoch {}/{} ({:.1f}s; {}): {}", h.label, epoch, h.strategy->total_epochs(), secs,
                s.clock.status(stage_eta), metrics_line(last));
  }
  return last;
}

std::vector<Genotype> derive_genotypes(SearchRun& h, const Json& args) {
  auto genotypes = h.strategy->derive(Config(args, h.name + ".derive"));
  for (auto& g : genotypes) {
    g.meta["strategy"] = h.name;
    g.meta["search_epoch"] = h.strategy->completed_epochs();
  }
  return genotypes;
}

}  // namespace nas::host
