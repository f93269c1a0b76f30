#pragma once
// One transfer of one URL into a `.part` file with libcurl, resuming (HTTP Range) from what
// the file already holds. The caller decides from the outcome whether to retry, resume,
// start over or try the next URL; nothing here ever writes a file's final name.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "nashost/data_fetch.hpp"

namespace nas::data::detail {

enum class Outcome {
  Complete,          ///< the whole file is in `part`
  NotFound,          ///< HTTP 4xx (404, 403, 410 ...): this URL will not have it
  Unreachable,       ///< DNS, connection refused or timed out, TLS: next URL
  Cut,               ///< the transfer broke off (connection cut, stalled, 5xx): retry, resuming
  RangeRefused,      ///< the server ignores or refuses Range: start over from byte 0
  LocalWriteFailed,  ///< the part file could not be written (disk full, quota): stop everything
  Stopped,           ///< stop requested
};

struct TransferResult {
  Outcome outcome = Outcome::Complete;
  std::string message;  ///< curl's / the server's reason, for a person
  int64_t on_disk = 0;  ///< bytes in `part` afterwards
};

struct TransferSettings {
  long connect_timeout_s = 15;
  long stall_timeout_s = 60;
  std::string label;  ///< for the progress display
  TransferProgressFactory progress;
  std::function<bool()> stop_requested;
};

/// Appends the rest of `url` to `part` (created if absent), asking for the bytes from its
/// current size on.
TransferResult transfer(const std::string& url, const std::filesystem::path& part, const TransferSettings& settings);

}  // namespace nas::data::detail
