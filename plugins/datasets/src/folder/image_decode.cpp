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
    if (marker == 0xD9 || marker == 0xDA) return;  // end of image, or the scan data begins
    if (pos + 2 > b.size()) decode_failed(file, "a JPEG marker segment is cut off");
    const size_t length = static_cast<size_t>(b[pos]) << 8 | b[pos + 1];
    if (length < 2 || pos + length > b.size()) decode_failed(file, "a JPEG marker segment runs past the end of the file");
    if (marker == 0xC4) {  // DHT: [class/id, 16 counts, symbols] repeated
      size_t t = pos + 2;
      const size_t end = pos + length;
      while (t + 17 <= end) {
        size_t codes = 0;
        for (size_t i = 1; i <= 16; ++i) codes += b[t + i];
        if (codes > 256) decode_failed(file, "a JPEG Huffman table declares " + std::to_string(codes) + " codes (at most 256)");
        t += 17 + codes;
      }
    }
    pos += length;
  }
}

}  // namespace

ImageSize read_image_size(const fs::path& file) {
  const auto bytes = read_bytes(file);
  check_jpeg_tables(bytes, file);
  int w = 0, h = 0, comp = 0;
  if (stbi_info_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp) == 0)
    decode_failed(file, decoder_reason());
  return {h, w};
}

void decode_image(const fs::path& file, int channels, int height, int width, uint8_t* out) {
  const auto bytes = read_bytes(file);
  check_jpeg_tables(bytes, file);
  int w = 0, h = 0, comp = 0;
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
