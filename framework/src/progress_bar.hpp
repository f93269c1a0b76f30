#pragma once
// Terminal progress bars: redrawn in place on a terminal, a line every ~10% otherwise
// (so logs and CI output stay readable).
#include <chrono>
#include <functional>
#include <cstdint>
#include <string>

#include "nashost/context.hpp"

namespace nas::host {

class ProgressBar final : public Progress {
 public:
  /// Bytes: sizes and rates in kB/MB/GB (downloads); `already` done units (a resumed
  /// download) fill the bar but do not count for the rate.
  enum class Unit { Items, Bytes };
  ProgressBar(std::string label, int64_t total, bool enabled, Unit unit = Unit::Items, int64_t already = 0);
  ~ProgressBar() override;
  void advance(int64_t steps = 1) override;
  void set_status(const std::string& status) override;
  void finish() override;
  /// Called once when the work is finished (finish(), or the destructor outside stack
  /// unwinding), drawn or not: the host's per-epoch status line hangs on it.
  void on_finish(std::function<void(const std::string& label, double seconds)> f) { on_finish_ = std::move(f); }

  /// "[#####.....]  50/100  3.2 it/s  ETA 0:15  status" (width-independent, for tests).
  /// Bytes: "[#####.....]  12.3/25.2 MB  4.10 MB/s  ETA 0:03" (no bar when the total is unknown).
  static std::string render(const std::string& label, int64_t done, int64_t total, double seconds,
                            const std::string& status, int width = 24, Unit unit = Unit::Items, int64_t already = 0);

 private:
  void draw(bool force);
  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  Unit unit_ = Unit::Items;
  int64_t already_ = 0;
  bool enabled_;
  bool tty_;
  bool finished_ = false;
  int64_t last_decile_ = -1;
  std::string status_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::function<void(const std::string&, double)> on_finish_;
};

}  // namespace nas::host
