// fetch_dataset: which files are missing, which URLs to try in which order, what to do with
// each outcome of a transfer, and the message a person gets when nothing worked.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "archive_members.hpp"
#include "checksum.hpp"
#include "fetch_record.hpp"
#include "http_transfer.hpp"
#include "nashost/environment.hpp"
#include "nashost/data_fetch.hpp"
#include "nashost/io.hpp"

namespace fs = std::filesystem;

namespace nas::data {

DownloadError::~DownloadError() = default;

namespace {

std::mutex default_progress_mutex;
TransferProgressFactory default_progress;

bool env_flag(const char* name) {
  const char* v = environment_variable(name);
  if (v == nullptr) return false;
  const std::string s = v;
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

std::string abs(const fs::path& p) { return fs::absolute(p).lexically_normal().string(); }

int64_t size_on_disk(const fs::path& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// The checksum a plain download is checked against (its own, else the file's).
Checksum plain_checksum(const CatalogEntry& e, const Download& d) {
  if (!d.checksum.empty()) return d.checksum;
  for (const auto& f : e.files)
    if (f.name == d.name) return f.checksum;
  return {};
}

const CatalogFile* catalog_file(const CatalogEntry& e, const std::string& name) {
  for (const auto& f : e.files)
    if (f.name == name) return &f;
  return nullptr;
}

// Holds an exclusive lock on the dataset folder: two processes (two runs with download = true,
// or `data fetch` in two shells) never write the same .part file.
class FolderLock {
 public:
  FolderLock(const fs::path& dir, spdlog::logger& log) : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0) return;  // the fetch itself will say what is wrong with the folder
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    log.info("waiting for another nashost process that is fetching into {}", abs(dir));
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_;
};

class Fetcher {
 public:
  Fetcher(CatalogEntry entry, std::string option, const FetchOptions& options)
      : e_(std::move(entry)),
        option_(std::move(option)),
        o_(options),
        log_(options.logger ? options.logger : spdlog::default_logger()) {
    root_ = data_root(option_);
    target_ = root_ / e_.folder;
    for (const auto& m : o_.mirrors) add_mirror(m);
    if (const char* env = environment_variable("NAS_DATA_MIRROR")) {
      std::istringstream words(env);
      for (std::string m; words >> m;) add_mirror(m);
    }
    only_mirrors_ = o_.mirrors_only || env_flag("NAS_DATA_MIRROR_ONLY");
    offline_ = env_flag("NAS_DATA_OFFLINE");
    settings_.connect_timeout_s = o_.connect_timeout_s;
    settings_.stall_timeout_s = o_.stall_timeout_s;
    settings_.stop_requested = o_.stop_requested;
    if (o_.progress) {
      settings_.progress = o_.progress;
    } else {
      std::lock_guard<std::mutex> lock(default_progress_mutex);
      settings_.progress = default_progress;
    }
  }

  FetchResult run() {
    if (!o_.force) {
      if (auto done = already_there()) return *done;
    }
    std::error_code ec;
    fs::create_directories(target_, ec);
    if (ec)
      throw DownloadError("cannot create the folder " + abs(target_) + " for dataset '" + e_.name +
                          "': " + ec.message());
    FolderLock lock(target_, *log_);
    if (!o_.force) {
      if (auto done = already_there()) return *done;  // another process fetched it meanwhile
    }
    for (const auto& source : e_.sources) {
      if (fetch_source(source)) break;
    }
    std::string missing;
    for (const auto& f : e_.files)
      if (!f.optional && !has(f.name)) missing += " " + f.name;
    if (!missing.empty()) throw DownloadError(failure_message());
    log_->info("{}: all files are in {} and verified", e_.name, abs(target_));
    return {target_, true};
  }

 private:
  void add_mirror(std::string m) {
    while (!m.empty() && m.back() == '/') m.pop_back();
    if (!m.empty()) mirrors_.push_back(m);
  }

  // The dataset complete (and not contradicting a checksum) in a searched folder.
  std::optional<FetchResult> already_there() {
    const DatasetStatus st = dataset_status(e_, option_, true);
    if (!st.complete()) return std::nullopt;
    for (const auto& f : st.files)
      if (f.state == FileState::Mismatch)
        throw DataError("dataset '" + e_.name + "': " + abs(f.path) + " is there but is not the official file: " +
                        f.detail + ". Delete it and fetch again, or replace it with `nashost data fetch " + e_.name +
                        " --force` (the new file replaces it only once it is complete and verified).");
    log_->info("{}: already there and {} in {}", e_.name, st.verified() ? "verified" : "complete", abs(st.folder));
    return FetchResult{st.folder, false};
  }

  // Whether the target folder holds the file (any accepted spelling) and it may be kept.
  bool has(const std::string& name) {
    const CatalogFile* f = catalog_file(e_, name);
    if (f == nullptr) return false;
    if (o_.force) return placed_.count(name) != 0;
    std::error_code ec;
    if (fs::is_regular_file(target_ / f->name, ec)) return true;
    for (const auto& n : f->also)
      if (fs::is_regular_file(target_ / n, ec)) return true;
    return false;
  }

  std::vector<std::string> urls_for(const Download& d) const {
    std::vector<std::string> urls;
    if (offline_) return urls;
    for (const auto& m : mirrors_) urls.push_back(m + "/" + e_.name + "/" + d.name);
    if (!only_mirrors_) urls.insert(urls.end(), d.urls.begin(), d.urls.end());
    return urls;
  }

  // Every download of the source that provides a missing file; false when one cannot be had.
  bool fetch_source(const Source& source) {
    for (const auto& d : source.downloads) {
      std::vector<std::string> wanted;
      if (d.members.empty()) {
        if (!has(d.name)) wanted.push_back(d.name);
      } else {
        for (const auto& m : d.members)
          if (!has(m.file)) wanted.push_back(m.file);
      }
      if (wanted.empty()) continue;
      if (!download(d, wanted)) return false;
    }
    return true;
  }

  // Tries every URL of `d` until one gives a file that verifies, and places what it holds.
  bool download(const Download& d, const std::vector<std::string>& wanted) {
    const fs::path part = target_ / (d.name + ".part");
    const auto urls = urls_for(d);
    if (urls.empty()) {
      failures_.push_back({d.name, offline_ ? "(no URL tried: downloads are turned off by NAS_DATA_OFFLINE)"
                                            : "(no URL to try: only mirrors are allowed, and none is set)"});
      return false;
    }
    for (const auto& url : urls) {
      settings_.label = e_.name + " " + d.name;
      log_->info("{}: downloading {} from {}", e_.name, d.name, url);
      bool started_over = false;
      for (int attempt = 1;; ++attempt) {
        std::error_code ec;
        const int64_t kept = size_on_disk(part);
        const bool resuming = kept > 0;
        if (resuming) log_->info("{}: resuming {} from byte {}", e_.name, d.name, kept);
        const auto r = detail::transfer(url, part, settings_);
        if (r.outcome == detail::Outcome::Complete) {
          const std::string problem = accept(d, part, wanted);
          if (problem.empty()) return true;
          fs::remove(part, ec);
          if (resuming && !started_over) {
            // The kept part may have come from another copy of the file: once more from byte 0.
            log_->warn("{}: {} does not verify after resuming ({}); downloading it again from the start", e_.name,
                       d.name, problem);
            started_over = true;
            continue;
          }
          mismatch_seen_ = true;
          fail(d, url, problem);
          break;
        }
        if (r.outcome == detail::Outcome::Stopped)
          throw Interrupted("the download of " + d.name + " was stopped; what arrived is kept in " + abs(part) +
                            " and `nashost data fetch " + e_.name + "` resumes it");
        if (r.outcome == detail::Outcome::LocalWriteFailed) {
          fs::remove(part, ec);
          throw DownloadError("cannot fetch dataset '" + e_.name + "': " + r.message +
                              ". Free some space (or choose another folder with --dir / NAS_DATA_DIR) and try again; "
                              "nothing was kept.");
        }
        if (r.outcome == detail::Outcome::RangeRefused && !started_over) {
          log_->warn("{}: {} does not resume from {} ({}); downloading it from the start", e_.name, d.name, url,
                     r.message);
          fs::remove(part, ec);
          started_over = true;
          continue;
        }
        if (r.outcome == detail::Outcome::Cut && attempt < o_.attempts) {
          log_->warn("{}: the transfer of {} broke off after {} bytes ({}); resuming (attempt {} of {})", e_.name,
                     d.name, r.on_disk, r.message, attempt + 1, o_.attempts);
          std::this_thread::sleep_for(std::chrono::milliseconds(500 * attempt));
          continue;
        }
        (r.outcome == detail::Outcome::NotFound ? not_found_seen_ : network_seen_) = true;
        fail(d, url, r.message);
        break;
      }
    }
    return false;
  }

  void fail(const Download& d, const std::string& url, const std::string& why) {
    log_->warn("{}: {} failed: {}", e_.name, url, why);
    failures_.push_back({d.name, url + ": " + why});
  }

  // Checks a complete download and places its files; "" or what is wrong with the content.
  std::string accept(const Download& d, const fs::path& part, const std::vector<std::string>& wanted) {
    const Checksum sum = d.members.empty() ? plain_checksum(e_, d) : d.checksum;
    std::string actual;
    if (!sum.empty() && !detail::checksum_matches(part, sum, &actual))
      return "the file has " + sum.algorithm + " " + actual + ", not the official " + sum.hex +
             " (a changed or damaged copy; it was deleted)";
    if (sum.empty()) log_->warn("{}: {} has no published checksum to verify", e_.name, d.name);
    if (d.members.empty()) {
      // The verified .part becomes the file in one rename.
      atomic_write_file(target_ / d.name, [&](const fs::path& tmp) { fs::rename(part, tmp); });
      placed(d.name);
      return "";
    }
    std::vector<detail::MemberTarget> targets;
    for (const auto& m : d.members) {
      if (std::find(wanted.begin(), wanted.end(), m.file) == wanted.end()) continue;
      const CatalogFile* f = catalog_file(e_, m.file);
      targets.push_back({m.path, target_ / m.file, f ? f->checksum : Checksum{}, f && f->optional});
    }
    try {
      detail::extract_members(part, targets);
    } catch (const detail::ArchiveProblem& p) {
      return p.what();
    }
    std::error_code ec;
    fs::remove(part, ec);  // the archive's files are out: it is not needed any more
    for (const auto& t : targets)
      if (fs::exists(t.destination, ec)) placed(t.destination.filename().string());
    return "";
  }

  void placed(const std::string& name) {
    placed_.insert(name);
    detail::record_fetched(target_, name, detail::file_digest(target_ / name, "sha256"));
  }

  std::string failure_message() const {
    std::ostringstream out;
    out << "cannot fetch dataset '" << e_.name << "' (" << e_.title << ") into " << abs(target_) << ":";
    std::string last;
    for (const auto& [file, line] : failures_) {
      if (file != last) out << "\n  " << file << ":";
      last = file;
      out << "\n    " << line;
    }
    out << "\nWhat to do:";
    if (network_seen_ || (!mismatch_seen_ && !not_found_seen_))
      out << "\n  - Offline or behind a firewall? Check the connection (a proxy is taken from https_proxy / "
             "http_proxy) and run `nashost data fetch "
          << e_.name << "` again; an interrupted download resumes where it stopped.";
    if (not_found_seen_)
      out << "\n  - A site no longer has the file (404): a mirror below, or the files by hand, will do.";
    if (mismatch_seen_)
      out << "\n  - A copy that differs from the official file was refused (deleted): the site may serve "
             "another version, or the transfer was damaged; try again, or a mirror.";
    out << "\n  - Or use a mirror that holds " << e_.name << "/<file> under the names below: `nashost data fetch "
        << e_.name << " --mirror URL` or the environment variable NAS_DATA_MIRROR."
        << "\n  - Or download the files yourself and place them exactly as follows (" << e_.homepage << "):";
    const Source& official = e_.sources.front();
    for (const auto& d : official.downloads) {
      const std::string from = d.urls.empty() ? d.name : d.urls.front();
      const Checksum sum = d.members.empty() ? plain_checksum(e_, d) : d.checksum;
      const std::string check = sum.empty() ? "" : ", " + detail::describe(sum);
      if (d.members.empty()) {
        out << "\n      " << abs(target_ / d.name) << "   <- " << from << check;
        continue;
      }
      out << "\n      unpack " << from << check << " and place its files as:";
      for (const auto& m : d.members) {
        const CatalogFile* f = catalog_file(e_, m.file);
        out << "\n        " << abs(target_ / m.file) << "   <- " << m.path << (f && f->optional ? " (optional)" : "");
      }
    }
    return out.str();
  }

  CatalogEntry e_;
  std::string option_;
  const FetchOptions& o_;
  std::shared_ptr<spdlog::logger> log_;
  fs::path root_, target_;
  std::vector<std::string> mirrors_;
  bool only_mirrors_ = false;
  bool offline_ = false;
  bool network_seen_ = false, not_found_seen_ = false,
       mismatch_seen_ =
           false;  // for the advice  // NAS_DATA_OFFLINE: fail at once (tools/run-main.sh after a failed fetch)
  detail::TransferSettings settings_;
  std::vector<std::pair<std::string, std::string>> failures_;  // file, "url: why"
  std::set<std::string> placed_;
};

}  // namespace

void set_default_transfer_progress(TransferProgressFactory factory) {
  std::lock_guard<std::mutex> lock(default_progress_mutex);
  default_progress = std::move(factory);
}

FetchResult fetch_dataset(const std::string& name, const std::string& data_dir_option, const FetchOptions& options) {
  Fetcher fetcher(with_checksum_overrides(catalog_entry(name), options.checksum_file), data_dir_option, options);
  return fetcher.run();
}

}  // namespace nas::data
