#include "progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <sstream>

namespace nas::host {

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled, Unit unit, int64_t already)
    : label_(std::move(label)),
      total_(total),
      done_(already),
      unit_(unit),
      already_(already),
      enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  // Unwinding (a stop request, an error): the work was not completed, so nobody is told
  // it finished.
  if (std::uncaught_exceptions() > 0) on_finish_ = nullptr;
  finish();
}

namespace {
// 1234567 -> "1.2 MB" style, with the unit chosen by `scale` (the larger of two numbers shown together).
std::string byte_text(double bytes, double scale, bool with_unit) {
  const char* unit = scale >= 1e9 ? "GB" : scale >= 1e6 ? "MB" : "kB";
  const double div = scale >= 1e9 ? 1e9 : scale >= 1e6 ? 1e6 : 1e3;
  char buf[48];
  std::snprintf(buf, sizeof(buf), with_unit ? "%.1f %s" : "%.1f", bytes / div, unit);
  return buf;
}

std::string render_bytes(const std::string& label, int64_t done, int64_t total, double seconds,
                         const std::string& status, int width, int64_t already) {
  std::ostringstream out;
  out << label << " ";
  if (total > 0) {
    out << "[";
    const int filled = static_cast<int>(width * std::min<int64_t>(done, total) / total);
    for (int i = 0; i < width; ++i) out << (i < filled ? '#' : '.');
    out << "] " << byte_text(done, total, false) << "/" << byte_text(total, total, true);
  } else {
    out << byte_text(done, done, true);
  }
  const double rate = seconds > 0 ? (done - already) / seconds : 0.0;
  out << "  " << byte_text(rate, rate, true) << "/s";
  if (rate > 0 && total > done) {
    const auto eta = static_cast<int64_t>((total - done) / rate);
    char buf[48];
    std::snprintf(buf, sizeof(buf), "  ETA %lld:%02lld", static_cast<long long>(eta / 60),
                  static_cast<long long>(eta % 60));
    out << buf;
  }
  if (!status.empty()) out << "  " << status;
  return out.str();
}
}  // namespace

std::string ProgressBar::render(const std::string& label, int64_t done, int64_t total, double seconds,
                                const std::string& status, int width, Unit unit, int64_t already) {
  if (unit == Unit::Bytes) return render_bytes(label, done, total, seconds, status, width, already);
  std::ostringstream out;
  out << label << " [";
  const int filled = total > 0 ? static_cast<int>(width * std::min<int64_t>(done, total) / total) : 0;
  for (int i = 0; i < width; ++i) out << (i < filled ? '#' : '.');
  out << "] " << done << "/" << total;
  const double rate = seconds > 0 ? done / seconds : 0.0;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "  %.2f it/s", rate);
  out << buf;
  if (rate > 0 && total > done) {
    const int64_t eta = static_cast<int64_t>((total - done) / rate);
    std::snprintf(buf, sizeof(buf), "  ETA %lld:%02lld", static_cast<long long>(eta / 60),
                  static_cast<long long>(eta % 60));
    out << buf;
  }
  if (!status.empty()) out << "  " << status;
  return out.str();
}

void ProgressBar::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  if (tty_) {
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    std::fprintf(stderr, "\r\033[K%s", render(label_, done_, total_, seconds, status_, 24, unit_, already_).c_str());
  } else {
    const int64_t decile = total_ > 0 ? done_ * 10 / total_ : 0;
    if (!force && decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s\n", render(label_, done_, total_, seconds, status_, 24, unit_, already_).c_str());
  }
  std::fflush(stderr);
  last_draw_ = now;
}

void ProgressBar::advance(int64_t steps) {
  done_ += steps;
  draw(false);
}

void ProgressBar::set_status(const std::string& status) { status_ = status; }

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (on_finish_) on_finish_(label_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  if (!enabled_) return;
  if (tty_) {
    draw(true);
    std::fprintf(stderr, "\n");
  } else if (last_decile_ != 10) {
    draw(true);
  }
  std::fflush(stderr);
}

}  // namespace nas::host
