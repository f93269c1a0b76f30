#pragma once
// `nashost data list` and `nashost data fetch`: the SDK's dataset fetcher
// (nashost/data_fetch.hpp) on the command line. docs/datasets.md describes both.
#include <string>
#include <vector>

namespace nas::host {

struct DataCommandOptions {
  std::vector<std::string> names;    ///< datasets to fetch; "all" = every one
  std::string dir;                   ///< the data root (as the dataset option data_dir); "" = NAS_DATA_DIR or ./data
  std::vector<std::string> mirrors;  ///< tried first
  bool mirrors_only = false;
  std::string checksums;  ///< checksum override file
  bool force = false;
};

/// One line per dataset: state (verified, missing ...), where it is or where it was looked for.
int cmd_data_list(const DataCommandOptions& options);
/// Fetches every named dataset (each one even when another fails); 0 only if all are there.
int cmd_data_fetch(const DataCommandOptions& options);

/// Makes the host's progress bar (in bytes) the display of every download in this process,
/// the dataset plugins' `download = true` included.
void install_download_progress(bool enabled);

}  // namespace nas::host
