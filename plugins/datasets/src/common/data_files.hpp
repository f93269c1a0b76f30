#pragma once
// Finding and reading dataset files: the data directory rule, gzip or plain files,
// and DataErrors that name every path tried and where the official files come from.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nas::data {

/// The folders searched for a dataset whose shared sub-folder is `dir_name`:
/// `data_dir` (and `data_dir/<dir_name>`) when the option is set, otherwise
/// `$NAS_DATA_DIR/<dir_name>` if NAS_DATA_DIR is set, else `./data/<dir_name>`.
std::vector<std::filesystem::path> data_dirs(const std::string& data_dir_option, const std::string& dir_name);

/// One file a dataset needs: accepted names (first found wins) and a description.
struct FileWanted {
  std::string what;                ///< e.g. "training images"
  std::vector<std::string> names;  ///< e.g. {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"}
};

/// Resolves every wanted file inside the first of `dirs` that holds it. If any is missing
/// throws DataMissingError listing each missing file with every path tried, plus `source_hint`
/// (where to get the official files) and how to point the dataset at them.
std::vector<std::filesystem::path> find_files(const std::string& dataset,
                                              const std::vector<std::filesystem::path>& dirs,
                                              const std::vector<FileWanted>& wanted, const std::string& source_hint);

/// The whole file; DataError naming the file if it cannot be read.
std::vector<uint8_t> read_bytes(const std::filesystem::path& file);

/// Inflates gzip data (several members allowed). DataError naming `file`, the compressed
/// byte offset and zlib's reason when the data is truncated or corrupt.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& compressed, const std::filesystem::path& file);

/// The file's contents, inflated when it starts with the gzip magic bytes 1f 8b.
std::vector<uint8_t> read_maybe_gzip(const std::filesystem::path& file);

}  // namespace nas::data
