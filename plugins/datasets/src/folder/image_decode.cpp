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

}  // namespace

ImageSize read_image_size(const fs::path& file) {
  const auto bytes = read_bytes(file);
  int w = 0, h = 0, comp = 0;
  if (stbi_info_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp) == 0)
    decode_failed(file, decoder_reason());
  return {h, w};
}

void decode_image(const fs::path& file, int channels, int height, int width, uint8_t* out) {
  const auto bytes = read_bytes(file);
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
