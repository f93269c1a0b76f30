#pragma once
// The IDX format of MNIST and Fashion-MNIST (big-endian header, then uint8 data).
#include <cstdint>
#include <filesystem>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nas::data {

constexpr uint32_t kIdxImagesMagic = 2051;  // 0x00000803: uint8, 3 dimensions
constexpr uint32_t kIdxLabelsMagic = 2049;  // 0x00000801: uint8, 1 dimension

/// N×1×rows×cols uint8 from the bytes of an image file; DataError naming `file`
/// (bad magic, impossible dimensions, truncated or over-long data with byte offsets).
at::Tensor parse_idx_images(const std::vector<uint8_t>& bytes, const std::filesystem::path& file);
/// N int64 labels; DataError naming `file` and the offset of a label >= num_classes.
at::Tensor parse_idx_labels(const std::vector<uint8_t>& bytes, const std::filesystem::path& file, int64_t num_classes);

/// Reads (gzip or plain) image and label files and checks that their counts agree.
struct IdxPair {
  at::Tensor images;  ///< N×1×H×W uint8
  at::Tensor labels;  ///< N int64
};
IdxPair load_idx_pair(const std::filesystem::path& images_file, const std::filesystem::path& labels_file,
                      int64_t num_classes);

}  // namespace nas::data
