#include "run_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <regex>

#include "nashost/error.hpp"

namespace nas::host {
namespace fs = std::filesystem;

std::string sanitize_run_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
      out.push_back(c);
    else
      out.push_back('_');
  }
  return out.empty() ? "run" : out;
}

fs::path create_run_directory(const fs::path& runs_root, const std::string& name) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  const std::string base = sanitize_run_name(name) + "-" + stamp;
  std::error_code ec;
  fs::create_directories(runs_root, ec);
  if (ec) throw Error("cannot create runs folder '" + runs_root.string() + "': " + ec.message());
  for (int i = 1; i < 1000; ++i) {
    const fs::path dir = runs_root / (i == 1 ? base : base + "-" + std::to_string(i));
    if (fs::create_directory(dir, ec)) return dir;
    if (ec) throw Error("cannot create run directory '" + dir.string() + "': " + ec.message());
  }
  throw Error("cannot find a free run directory name under '" + runs_root.string() + "'");
}

RunDirectoryLock::RunDirectoryLock(const fs::path& dir) {
  const fs::path file = dir / ".lock";
  // O_CLOEXEC: helper programs (gnuplot, dot) must not inherit and outlive the lock.
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot lock run directory '" + dir.string() + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char holder[32] = {};
    const ssize_t n = ::pread(fd_, holder, sizeof(holder) - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw Error("run directory '" + dir.string() + "' is in use by another nashost process" +
                  (n > 0 ? " (pid " + std::string(holder, static_cast<size_t>(n)) + ")" : std::string()) +
                  "; wait for it to end, or start a new run (without --resume, or with another --name)");
    throw Error("cannot lock run directory '" + dir.string() + "': " + std::strerror(err));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

RunDirectoryLock::~RunDirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::optional<fs::path> newest_run_directory(const fs::path& runs_root, const std::string& name) {
  const std::regex pattern(std::regex_replace(sanitize_run_name(name), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                           R"(-\d{8}-\d{6}(-\d{1,6})?)");
  std::optional<fs::path> best;
  std::error_code ec;
  if (!fs::is_directory(runs_root, ec)) return best;
  std::vector<fs::path> candidates;
  // error_code forms throughout: one unreadable entry (a symlink loop, say) must not hide the rest.
  for (fs::directory_iterator it(runs_root, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (std::regex_match(it->path().filename().string(), pattern) && it->is_directory(entry_ec))
      candidates.push_back(it->path());
  }
  // Order by timestamp, then by the "-N" suffix of runs started in the same second.
  const size_t stamp_at = sanitize_run_name(name).size() + 1;
  auto key = [&](const fs::path& p) {
    const std::string f = p.filename().string();
    const std::string stamp = f.substr(stamp_at, 15);
    const int suffix = f.size() > stamp_at + 15 ? std::stoi(f.substr(stamp_at + 16)) : 1;
    return std::make_pair(stamp, suffix);
  };
  std::sort(candidates.begin(), candidates.end(),
            [&](const fs::path& a, const fs::path& b) { return key(a) < key(b); });
  if (!candidates.empty()) best = candidates.back();
  return best;
}

}  // namespace nas::host
