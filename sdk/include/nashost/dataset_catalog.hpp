#pragma once
// The datasets nashost can fetch: where their official files come from (URLs with mirrors,
// checksums), which layouts of them on disk are read, and where they are looked for.
//
// One table serves `nashost data list|fetch`, the dataset plugins' search paths and their
// `download = true` option, so what the docs say, what is fetched and what is read agree
// (tests/data_fetch checks every layout listed here, and that docs/datasets.md lists them).
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/export.hpp"

namespace nas::data {

/// A published checksum: algorithm "md5" or "sha256" and lower-case hex; empty when none is known.
struct Checksum {
  std::string algorithm;
  std::string hex;
  bool empty() const { return hex.empty(); }
};

/// A file the dataset reader needs (or may use), in the dataset's folder.
struct CatalogFile {
  std::string name;               ///< name as fetched, e.g. "train-images-idx3-ubyte.gz"
  std::vector<std::string> also;  ///< other accepted names (inflated, dotted, train.txt ...)
  Checksum checksum;              ///< of the file under `name` (none: the archive's checks it)
  bool optional = false;          ///< e.g. class-name lists: used when present
};

/// A file inside an archive and the dataset file it becomes.
struct ArchiveMember {
  std::string path;  ///< path in the archive ("./" prefixes are ignored)
  std::string file;  ///< CatalogFile::name
};

/// One file fetched from the network: the dataset file itself, or an archive holding several.
struct Download {
  std::string name;                    ///< its name in a mirror's `<dataset>/` folder
  std::vector<std::string> urls;       ///< official first, then the known mirrors
  Checksum checksum;                   ///< none: each extracted member is checked instead
  std::vector<ArchiveMember> members;  ///< empty: a plain file, saved as CatalogFile `name`
};

/// Downloads that together provide every file; a dataset may have several, tried in order
/// (e.g. WikiText-2's zip, then copies of its three files).
struct Source {
  std::string description;
  std::vector<Download> downloads;
};

/// A layout that is recognised but not read (e.g. CIFAR's Python pickles): the error says why.
struct UnreadableLayout {
  std::string folder;  ///< relative to the data root
  std::string why;     ///< what it is and what to do instead
};

struct CatalogEntry {
  std::string name;   ///< dataset name, as the plugin registers it: "fashion-mnist", "cifar10"
  std::string title;  ///< "Fashion-MNIST"
  std::string homepage;
  std::string folder;  ///< where `fetch` puts the files, relative to the data root
  /// Folders searched, relative to the data root, in order; `folder` first.
  std::vector<std::string> layouts;
  std::vector<CatalogFile> files;
  std::vector<Source> sources;
  std::vector<UnreadableLayout> unreadable;
};

/// Every dataset that can be fetched, in a fixed order.
NASHOST_SDK_API const std::vector<CatalogEntry>& catalog();
/// The entry of `name`; ConfigError listing the known names otherwise.
NASHOST_SDK_API const CatalogEntry& catalog_entry(const std::string& name);

/// The data root: the dataset option `data_dir` when set, else $NAS_DATA_DIR, else ./data.
NASHOST_SDK_API std::filesystem::path data_root(const std::string& data_dir_option);
/// The folders searched, in order: `data_dir` itself when the option is set, then
/// `<root>/<layout>` for every layout.
NASHOST_SDK_API std::vector<std::filesystem::path> search_dirs(const CatalogEntry& entry,
                                                               const std::string& data_dir_option);
/// Unreadable layouts present under the root, as sentences for an error message ("" if none).
NASHOST_SDK_API std::string unreadable_layouts_found(const CatalogEntry& entry, const std::string& data_dir_option);

/// `entry` with its checksums replaced by those listed in `checksum_file` (format of
/// `md5sum`/`sha256sum` output: "<hex>  <dataset>/<file name>"; 32 hex digits = md5, 64 =
/// sha256). An empty path means $NAS_DATA_CHECKSUMS, and none when that is unset.
/// Meant for private mirrors of other files and for the tests. Error naming the line when
/// the file is malformed.
NASHOST_SDK_API CatalogEntry with_checksum_overrides(const CatalogEntry& entry,
                                                     const std::filesystem::path& checksum_file = {});

}  // namespace nas::data
