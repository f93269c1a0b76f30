#include "run_clock.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nas::host {

void RunClock::plan(int64_t search_epochs, int64_t training_epochs) {
  planned_[0] = std::max<int64_t>(0, search_epochs);
  planned_[1] = std::max<int64_t>(0, training_epochs);
}

void RunClock::epoch_done(Kind kind, double seconds) {
  const int k = static_cast<int>(kind);
  ++done_[k];
  ++timed_[k];
  seconds_[k] += std::max(0.0, seconds);
}

void RunClock::epochs_skipped(Kind kind, int64_t count) {
  done_[static_cast<int>(kind)] += std::max<int64_t>(0, count);
}

double RunClock::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::optional<double> RunClock::eta_seconds() const {
  if (!has_plan()) return std::nullopt;
  double eta = 0;
  for (int k = 0; k < 2; ++k) {
    const int64_t left = std::max<int64_t>(0, planned_[k] - done_[k]);
    if (left == 0) continue;
    if (timed_[k] == 0) return std::nullopt;
    eta += static_cast<double>(left) * seconds_[k] / static_cast<double>(timed_[k]);
  }
  return eta;
}

std::string RunClock::duration_text(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

std::string RunClock::status(std::optional<double> stage_eta) const {
  std::string s = "elapsed " + duration_text(elapsed_seconds());
  if (!has_plan()) return stage_eta ? s + ", ETA of this stage " + duration_text(*stage_eta) : s;
  const int64_t planned = planned_[0] + planned_[1];
  const int64_t done = std::min(planned, done_[0] + done_[1]);
  s += ", script " + std::to_string(100 * done / planned) + "% of " + std::to_string(planned) + " epochs";
  if (const auto eta = eta_seconds()) return s + ", ETA " + duration_text(*eta);
  return s + ", ETA after the first " + (timed_[0] == 0 && planned_[0] > done_[0] ? "search" : "training") + " epoch";
}

}  // namespace nas::host
