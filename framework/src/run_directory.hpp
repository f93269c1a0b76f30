#pragma once
// The run directory runs/<name>-<time>/ and the choice of which one to resume.
#include <filesystem>
#include <optional>
#include <string>

namespace nas::host {

/// A new directory `<runs_root>/<name>-YYYYmmdd-HHMMSS` (suffix -2, -3 ... if taken).
std::filesystem::path create_run_directory(const std::filesystem::path& runs_root, const std::string& name);
/// The newest existing run directory of `name`, if any.
std::optional<std::filesystem::path> newest_run_directory(const std::filesystem::path& runs_root,
                                                          const std::string& name);
/// Lower-case letters, digits, '-', '_' and '.' only.
std::string sanitize_run_name(const std::string& name);

/// An exclusive lock on a run directory for the life of this object (flock on
/// `<dir>/.lock`, released by the kernel even when the process is killed). Two `--resume`
/// of one run at once would both append to its metrics and results; the second is refused
/// with the first one's process id.
class RunDirectoryLock {
 public:
  /// Throws nas::Error when another process holds the lock or the lock file cannot be made.
  explicit RunDirectoryLock(const std::filesystem::path& dir);
  ~RunDirectoryLock();
  RunDirectoryLock(const RunDirectoryLock&) = delete;
  RunDirectoryLock& operator=(const RunDirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace nas::host
