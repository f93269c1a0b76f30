#include "common/download.hpp"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include "nashost/data_fetch.hpp"

namespace nas::data {

OptionSpec download_option() {
  return {"download", OptionType::Bool, false,
          "fetch the official files (as `nashost data fetch`) when they are absent: official URLs and mirrors, "
          "checksums verified; NAS_DATA_MIRROR puts your own mirror first"};
}

std::vector<std::filesystem::path> catalog_dirs(const std::string& name, const Config& cfg) {
  return search_dirs(catalog_entry(name), cfg.get_string("data_dir"));
}

void download_after_missing(const std::string& name, const Config& cfg, HostContext* ctx,
                            const DataMissingError& missing) {
  const std::string data_dir = cfg.get_string("data_dir");
  std::string message = missing.what();
  if (const std::string unreadable = unreadable_layouts_found(catalog_entry(name), data_dir); !unreadable.empty())
    message += "\n  Note: " + unreadable;
  if (!cfg.get_bool("download"))
    throw DataMissingError(message + "\n  Or let nashost fetch and verify them: `nashost data fetch " + name +
                           "`, or the dataset option download = true.");
  auto log = ctx != nullptr ? ctx->logger(name) : spdlog::default_logger();
  log->warn("{}: the files are not there; fetching them (download = true)", name);
  FetchOptions options;
  options.logger = log;
  if (ctx != nullptr) options.stop_requested = [ctx] { return ctx->stop_requested(); };
  try {
    fetch_dataset(name, data_dir, options);
  } catch (const DownloadError& failed) {
    // Still absent: the caller may fall back (scripts/dataset_common.lua does, with a banner),
    // but never quietly.
    // The URLs and why each failed; the exception carries the whole message with what to do.
    const std::string what = failed.what();
    log->error("{}: download = true, but the download FAILED: {}", name, what.substr(0, what.find("\nWhat to do:")));
    throw DataMissingError(message + "\n  download = true, but the download failed: " + failed.what());
  }
}

}  // namespace nas::data
