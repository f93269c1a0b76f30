#pragma once
// Elapsed time and the whole script's ETA for the one-line status the console shows after
// every search and training epoch (also with --no-progress).
//
// A script states its plan, `nas.plan{search_epochs = S, train_epochs = T}`; the host counts
// the epochs it runs (search epochs in search:run, training epochs in nas.train) and
// times each kind separately, because a search epoch and a training epoch cost different
// amounts. The ETA is the remaining epochs of each kind times that kind's mean epoch; it is
// unknown until one epoch of every kind still to come has been timed. Epochs skipped on
// --resume count as done without a time.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace nas::host {

class RunClock {
 public:
  enum class Kind { Search = 0, Training = 1 };

  RunClock() : start_(std::chrono::steady_clock::now()) {}
  void plan(int64_t search_epochs, int64_t training_epochs);
  bool has_plan() const { return planned_[0] + planned_[1] > 0; }
  void epoch_done(Kind kind, double seconds);
  void epochs_skipped(Kind kind, int64_t count);
  double elapsed_seconds() const;
  /// Seconds left for the planned epochs; nullopt without a plan or before a kind that is
  /// still to come has been timed.
  std::optional<double> eta_seconds() const;
  /// "elapsed 4:10, script 45% of 20 epochs, ETA 5:02" (or "elapsed 4:10, ETA after the first
  /// training epoch"); without a plan "elapsed 4:10" and, when given, the stage's own ETA.
  std::string status(std::optional<double> stage_eta = std::nullopt) const;

  /// 75 s -> "1:15", 3725 s -> "1:02:05".
  static std::string duration_text(double seconds);

 private:
  std::chrono::steady_clock::time_point start_;
  int64_t planned_[2] = {0, 0};
  int64_t done_[2] = {0, 0};  ///< timed and skipped
  int64_t timed_[2] = {0, 0};
  double seconds_[2] = {0, 0};
};

}  // namespace nas::host
