#pragma once
// Fetching a dataset's official files, like torchvision's download=True, from C++:
// mirrors in order, HTTP Range resume of an interrupted download, checksum verification,
// archive extraction, and atomic placement (a file appears under its final name only once it
// is complete and verified). Used by `nashost data fetch` and by the dataset plugins'
// `download = true` option. docs/datasets.md describes it for users.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "nashost/context.hpp"
#include "nashost/dataset_catalog.hpp"
#include "nashost/error.hpp"
#include "nashost/export.hpp"

namespace nas::data {

/// Every URL of a file failed (offline, firewall, 404, checksum mismatch, disk full). The
/// message names each URL with its failure and says what to do, including the exact files to
/// place by hand and where. A dataset plugin turns it into DataMissingError (the files are
/// still absent), so a script may fall back, loudly.
class NASHOST_SDK_API DownloadError : public Error {
 public:
  using Error::Error;
  ~DownloadError() override;
};

/// Makes the progress display of one transfer: `total` bytes in all (0: unknown), `already`
/// of them on disk before this transfer (a resumed download; they do not count for the rate).
using TransferProgressFactory =
    std::function<std::unique_ptr<Progress>(const std::string& label, int64_t total, int64_t already)>;

/// The display used when FetchOptions::progress is empty. The host installs its progress bar
/// here, so a plugin's download shows one too; by default there is none.
NASHOST_SDK_API void set_default_transfer_progress(TransferProgressFactory factory);

struct FetchOptions {
  /// Tried before the known URLs, in order: `<mirror>/<dataset>/<file>` (http, https, ftp or
  /// file URLs). $NAS_DATA_MIRROR (several separated by spaces) comes after these.
  std::vector<std::string> mirrors;
  /// Only the mirrors, never the official sites (also $NAS_DATA_MIRROR_ONLY=1).
  /// $NAS_DATA_OFFLINE=1 tries no URL at all (a DownloadError at once).
  bool mirrors_only = false;
  /// Checksum overrides (see with_checksum_overrides); empty: $NAS_DATA_CHECKSUMS.
  std::filesystem::path checksum_file;
  /// Download again even when files are there (they are replaced only once the new ones verify).
  bool force = false;
  long connect_timeout_s = 15;             ///< per connection attempt
  long stall_timeout_s = 60;               ///< a transfer slower than 1 kB/s for this long is cut (and resumed)
  int attempts = 3;                        ///< per URL, for interrupted transfers (each one resumes)
  std::shared_ptr<spdlog::logger> logger;  ///< null: spdlog's default logger
  TransferProgressFactory progress;        ///< null: the default (set_default_transfer_progress)
  std::function<bool()> stop_requested;    ///< true: abort with nas::Interrupted (the .part is kept)
};

struct FetchResult {
  std::filesystem::path folder;  ///< where the dataset's files are
  bool downloaded = false;       ///< false: they were there and verified already
};

/// Makes the dataset's files present and verified under the data root of `data_dir_option`
/// (see data_root): nothing is done when a searched folder already holds all of them and they
/// verify; otherwise the missing ones are downloaded into `<root>/<entry.folder>`.
/// Throws DownloadError when a file cannot be obtained, DataError when a file that is there
/// differs from the official one (it is not replaced without `force`), Interrupted on a stop
/// request, ConfigError for an unknown dataset.
NASHOST_SDK_API FetchResult fetch_dataset(const std::string& name, const std::string& data_dir_option,
                                          const FetchOptions& options = {});

/// What `nashost data list` shows about one file.
enum class FileState { Missing, Verified, Unverified, Mismatch };
struct FileStatus {
  std::string name;  ///< CatalogFile::name
  bool optional = false;
  std::filesystem::path path;  ///< where it was found (empty when missing)
  FileState state = FileState::Missing;
  std::string detail;  ///< the checksum that failed, or why it is unverified
};
struct DatasetStatus {
  std::vector<std::filesystem::path> searched;  ///< in order
  std::filesystem::path folder;                 ///< the first folder holding every required file, else empty
  std::vector<FileStatus> files;                ///< in catalog order (of `folder`, else of the first hits)
  std::string unreadable;                       ///< unreadable layouts found (CIFAR pickles), else ""
  bool complete() const;                        ///< every required file is there
  bool verified() const;                        ///< complete, and no present file is Unverified or Mismatch
};

/// Where the dataset is and whether its files verify (checksums are computed when `verify`).
/// Files without a catalog checksum are verified against the record that `fetch_dataset`
/// writes beside them (.nashost-fetched.sha256) when there is one.
NASHOST_SDK_API DatasetStatus dataset_status(const CatalogEntry& entry, const std::string& data_dir_option,
                                             bool verify = true);

}  // namespace nas::data
