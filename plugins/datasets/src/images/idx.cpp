#include "images/idx.hpp"

#include <cstring>
#include <string>

#include <ATen/ATen.h>

#include "common/data_files.hpp"
#include "nashost/error.hpp"

namespace nas::data {

namespace {
uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | static_cast<uint32_t>(b[at + 3]);
}

void check_header(const std::vector<uint8_t>& bytes, size_t header, uint32_t magic, const char* kind,
                  const std::filesystem::path& file) {
  if (bytes.size() < header)
    throw DataError("IDX " + std::string(kind) + " file " + file.string() + " is truncated: " +
                    std::to_string(bytes.size()) + " bytes, the header alone needs " + std::to_string(header));
  const uint32_t got = be32(bytes, 0);
  if (got != magic)
    throw DataError("IDX " + std::string(kind) + " file " + file.string() + ": magic number at byte offset 0 is " +
                    std::to_string(got) + ", expected " + std::to_string(magic) +
                    (got == kIdxImagesMagic || got == kIdxLabelsMagic ? " (images and labels files swapped?)"
                                                                      : " (not an IDX file, or a corrupt one)"));
}

void check_payload(const std::vector<uint8_t>& bytes, size_t header, uint64_t payload, const char* kind,
                   const std::filesystem::path& file) {
  const uint64_t have = bytes.size() - header;
  if (have < payload)
    throw DataError("IDX " + std::string(kind) + " file " + file.string() + " is truncated: the header promises " +
                    std::to_string(payload) + " data bytes from byte offset " + std::to_string(header) +
                    ", but the data ends at byte offset " + std::to_string(bytes.size()));
  if (have > payload)
    throw DataError("IDX " + std::string(kind) + " file " + file.string() + " has " + std::to_string(have - payload) +
                    " unexpected bytes after the data, from byte offset " + std::to_string(header + payload));
}
}  // namespace

at::Tensor parse_idx_images(const std::vector<uint8_t>& bytes, const std::filesystem::path& file) {
  check_header(bytes, 16, kIdxImagesMagic, "images", file);
  const uint64_t n = be32(bytes, 4), rows = be32(bytes, 8), cols = be32(bytes, 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
    throw DataError("IDX images file " + file.string() + ": implausible image size " + std::to_string(rows) + "x" +
                    std::to_string(cols) + " in the header (byte offsets 8 and 12)");
  check_payload(bytes, 16, n * rows * cols, "images", file);
  at::Tensor images =
      at::empty({static_cast<int64_t>(n), 1, static_cast<int64_t>(rows), static_cast<int64_t>(cols)}, at::kByte);
  if (n > 0) std::memcpy(images.data_ptr<uint8_t>(), bytes.data() + 16, n * rows * cols);
  return images;
}

at::Tensor parse_idx_labels(const std::vector<uint8_t>& bytes, const std::filesystem::path& file, int64_t num_classes) {
  check_header(bytes, 8, kIdxLabelsMagic, "labels", file);
  const uint64_t n = be32(bytes, 4);
  check_payload(bytes, 8, n, "labels", file);
  at::Tensor labels = at::empty({static_cast<int64_t>(n)}, at::kLong);
  int64_t* out = labels.data_ptr<int64_t>();
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t v = bytes[8 + i];
    if (v >= num_classes)
      throw DataError("IDX labels file " + file.string() + ": label " + std::to_string(v) + " at byte offset " +
                      std::to_string(8 + i) + " is outside 0.." + std::to_string(num_classes - 1));
    out[i] = v;
  }
  return labels;
}

IdxPair load_idx_pair(const std::filesystem::path& images_file, const std::filesystem::path& labels_file,
                      int64_t num_classes) {
  IdxPair pair;
  pair.images = parse_idx_images(read_maybe_gzip(images_file), images_file);
  pair.labels = parse_idx_labels(read_maybe_gzip(labels_file), labels_file, num_classes);
  if (pair.images.size(0) != pair.labels.size(0))
    throw DataError("IDX files disagree: " + images_file.string() + " holds " + std::to_string(pair.images.size(0)) +
                    " images but " + labels_file.string() + " holds " + std::to_string(pair.labels.size(0)) +
                    " labels; they must come from the same release");
  return pair;
}

}  // namespace nas::data
