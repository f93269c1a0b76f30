#include "folder/image_decode.hpp"

#include <memory>
#include <string>
#include <vector>

#include <stb_image.h>
#include <stb_image_resize.h>

#include "common/data_files.hpp"
#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {

// stb keeps its last failure reason per thread (the Debian build is thread-local), so
// decoding on several threads reports each file's own reason.
std::string decoder_reason() {
  const char* reason = stbi_failure_reason();
  return reason != nullptr ? reason : "unknown decoder error";
}

[[noreturn]] void decode_failed(const fs::path& file, const std::string& reason) {
  throw DataError("cannot decode image " + file.string() + ": " + reason +
                  " (stb_image; PNG and JPEG are supported); replace or remove the file");
}

int checked_length(const std::vector<uint8_t>& bytes, const fs::path& file) {
  if (bytes.empty()) decode_failed(file, "the file is empty");
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) decode_failed(file, "the file is larger than 2 GiB");
  return static_cast<int>(bytes.size());
}

/// stb_image trusts a JPEG's Huffman tables: a DHT segment declaring more than 256 codes
/// makes it write past its code table (found by fuzzing: tests/fuzz/findings/fuzz_image).
/// The marker segments before the scan data are walked here first and such a table, or a
/// segment running past the end of the file, is refused.
void check_jpeg_tables(const std::vector<uint8_t>& b, const fs::path& file) {
  if (b.size() < 2 || b[0] != 0xFF || b[1] != 0xD8) return;  // not a JPEG
  size_t pos = 2;
  while (pos + 1 < b.size()) {
    if (b[pos] != 0xFF) {  // stb scans forward to the next marker; so do we
      ++pos;
      continue;
    }
    while (pos < b.size() && b[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) return;
    const uint8_t marker = b[pos++];
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (marker == 0xD9) return;  // end of image
    if (pos + 2 > b.size()) decode_failed(file, "a JPEG marker segment is cut off");
    const size_t length = static_cast<size_t>(b[pos]) << 8 | b[pos + 1];
    if (length < 2 || pos + length > b.size()) decode_failed(file, "a JPEG marker segment runs past the end of the file");
    if (marker == 0xC4) {  // DHT: [class/id, 16 counts, symbols] repeated
      size_t t = pos + 2;
      const size_t end = pos + length;
      // As stb reads it: a table is read whenever any byte of the segment is left, even when
      // its 17 header bytes reach past the segment into what follows.
      while (t < end) {
        if (t + 17 > b.size()) decode_failed(file, "a JPEG Huffman table is cut off");
        size_t codes = 0;
        for (size_t i = 1; i <= 16; ++i) codes += b[t + i];
        if (codes > 256) decode_failed(file, "a JPEG Huffman table declares " + std::to_string(codes) + " codes (at most 256)");
        t += 17 + codes;
      }
      pos = t;  // stb goes on from where its table reading stopped, not from the segment's end
      continue;
    }
    if (marker == 0xDB) {  // DQT: stb reads 65 or 129 bytes per table while any are left
      size_t t = pos + 2;
      while (t < pos + length && t < b.size()) t += 1 + ((b[t] >> 4) ? 128 : 64);
      pos = t;
      continue;
    }
    pos += length;
    if (marker == 0xDA) {
      // Scan data: progressive JPEGs put more tables between scans, so skip the entropy-coded
      // bytes to the next marker (0xFF followed by neither 0x00 nor a restart marker).
      while (pos + 1 < b.size() && !(b[pos] == 0xFF && b[pos + 1] != 0x00 && (b[pos + 1] < 0xD0 || b[pos + 1] > 0xD7)))
        ++pos;
    }
  }
}

/// A header may claim any size; decoding allocates width x height x channels first. Images
/// of a dataset are small: more than 2^26 pixels (8192 x 8192) is refused before decoding
/// (fuzzing found headers that made the decoder ask for gigabytes).
void check_pixel_count(int w, int h, const fs::path& file) {
  if (w <= 0 || h <= 0 || static_cast<int64_t>(w) * h > (int64_t{1} << 26))
    decode_failed(file, "the image claims " + std::to_string(w) + " x " + std::to_string(h) +
                            " pixels (at most 8192 x 8192 are read)");
}

}  // namespace

ImageSize read_image_size(const fs::path& file) {
  const auto bytes = read_bytes(file);
  check_jpeg_tables(bytes, file);
  int w = 0, h = 0, comp = 0;
  if (stbi_info_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp) == 0)
    decode_failed(file, decoder_reason());
  check_pixel_count(w, h, file);
  return {h, w};
}

void decode_image(const fs::path& file, int channels, int height, int width, uint8_t* out) {
  const auto bytes = read_bytes(file);
  check_jpeg_tables(bytes, file);
  int w = 0, h = 0, comp = 0;
  if (stbi_info_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp) == 0)
    decode_failed(file, decoder_reason());
  check_pixel_count(w, h, file);
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp, channels), stbi_image_free);
  if (!pixels) decode_failed(file, decoder_reason());

  const stbi_uc* hwc = pixels.get();
  std::vector<uint8_t> resized;
  if (h != height || w != width) {
    resized.resize(static_cast<size_t>(height) * width * channels);
    if (stbir_resize_uint8_generic(hwc, w, h, 0, resized.data(), width, height, 0, channels,
                                   STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT,
                                   STBIR_COLORSPACE_LINEAR, nullptr) == 0)
      throw DataError("cannot resize image " + file.string() + " from " + std::to_string(h) + "x" +
                      std::to_string(w) + " to " + std::to_string(height) + "x" + std::to_string(width));
    hwc = resized.data();
  }
  // Interleaved H×W×C → planar C×H×W.
  const size_t plane = static_cast<size_t>(height) * width;
  for (int c = 0; c < channels; ++c)
    for (size_t p = 0; p < plane; ++p) out[c * plane + p] = hwc[p * channels + c];
}

}  // namespace nas::data
