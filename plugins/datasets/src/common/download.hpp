#pragma once
// The dataset option `download = true` (fetch the official files when they are absent, like
// torchvision's download=True) and the search folders of the fetchable datasets, both from
// the SDK's catalog (nashost/dataset_catalog.hpp) so that plugins, `nashost data` and the
// docs agree on where files are.
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/config.hpp"
#include "nashost/context.hpp"
#include "nashost/error.hpp"

namespace nas::data {

/// The `download` option (bool, default false).
OptionSpec download_option();

/// The folders searched for catalog dataset `name` under the option `data_dir`.
std::vector<std::filesystem::path> catalog_dirs(const std::string& name, const Config& cfg);

/// Fetches dataset `name` after `missing` (the readers' DataMissingError) when the option
/// `download` is true; otherwise rethrows `missing` with how to fetch the files (and a note on
/// unreadable layouts that are there, such as CIFAR's Python pickles). A failed download is
/// logged as an error and thrown as DataMissingError holding both messages: the files are
/// still absent, so a script may fall back, loudly. A file that is there but not the
/// official one stays a DataError; a stop request stays Interrupted.
void download_after_missing(const std::string& name, const Config& cfg, HostContext* ctx,
                            const DataMissingError& missing);

/// `find()` (which throws DataMissingError when files are absent), then, with `download = true`,
/// the fetch and `find()` again.
template <class Find>
auto find_or_download(const std::string& name, const Config& cfg, HostContext* ctx, Find&& find) {
  try {
    return find();
  } catch (const DataMissingError& missing) {
    download_after_missing(name, cfg, ctx, missing);
  }
  return find();
}

}  // namespace nas::data
