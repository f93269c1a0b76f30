#pragma once
// Shared helpers for the dataset tests: temp folders and small files in the official formats.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/dataset.hpp"

namespace nas::test {

/// A fresh empty folder under the build tree's temp area, removed at destruction.
struct TempDir {
  explicit TempDir(const std::string& tag);
  ~TempDir();
  std::filesystem::path path;
};

void write_file(const std::filesystem::path& file, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& plain);
/// IDX image file bytes: magic, n, rows, cols, then pixels (pixel(i, y, x) = (i*7 + y*3 + x) % 256).
std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows, uint32_t cols, uint32_t magic = 2051);
/// IDX label file bytes: magic, n, then labels i % 10.
std::vector<uint8_t> idx_labels(uint32_t n, uint32_t magic = 2049);
/// All examples of a split (at most 1,000), unshuffled, as one batch.
nas::Batch whole_split(nas::Dataset& d, nas::Split split);
/// Root of the real datasets: $NAS_DATA_DIR (std::runtime_error saying so when it is not set).
std::filesystem::path shared_data_root();

}  // namespace nas::test
