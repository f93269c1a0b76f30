#include "folder/image_decode.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <stb_image.h>
#include <stb_image_resize.h>

#include "common/data_files.hpp"
#include "folder/jpeg_decode.hpp"
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
                  " (PNG and JPEG are supported); replace or remove the file");
}

int checked_length(const std::vector<uint8_t>& bytes, const fs::path& file) {
  if (bytes.empty()) decode_failed(file, "the file is empty");
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) decode_failed(file, "the file is larger than 2 GiB");
  return static_cast<int>(bytes.size());
}

bool looks_like_png(const std::vector<uint8_t>& b) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return b.size() >= 8 && std::equal(kSignature, kSignature + 8, b.begin());
}

/// stb_image decodes PNG only: fuzzing found JPEG layouts that make it write out of bounds,
/// so JPEG goes to libjpeg-turbo (jpeg_decode.hpp). Anything else is refused here, before
/// either decoder sees it (stb would also try BMP, GIF, TGA, PSD, PIC, PNM, HDR).
void check_format(const std::vector<uint8_t>& bytes, const fs::path& file) {
  if (looks_like_png(bytes) || looks_like_jpeg(bytes)) return;
  checked_length(bytes, file);  // the empty file's own message
  decode_failed(file, "not a PNG or JPEG file");
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
  check_format(bytes, file);
  if (looks_like_jpeg(bytes)) {
    const JpegHeader jh = read_jpeg_header(bytes, file.string());
    check_pixel_count(jh.width, jh.height, file);
    return {jh.height, jh.width};
  }
  int w = 0, h = 0, comp = 0;
  if (stbi_info_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp) == 0)
    decode_failed(file, decoder_reason());
  check_pixel_count(w, h, file);
  return {h, w};
}

void decode_image(const fs::path& file, int channels, int height, int width, uint8_t* out) {
  const auto bytes = read_bytes(file);
  check_format(bytes, file);
  const uint8_t* hwc = nullptr;
  int w = 0, h = 0;
  std::vector<uint8_t> jpeg_pixels;
  std::unique_ptr<stbi_uc, void (*)(void*)> png_pixels(nullptr, stbi_image_free);
  if (looks_like_jpeg(bytes)) {
    const JpegHeader jh = read_jpeg_header(bytes, file.string());
    check_pixel_count(jh.width, jh.height, file);
    jpeg_pixels = decode_jpeg(bytes, channels, file.string());
    h = jh.height;
    w = jh.width;
    hwc = jpeg_pixels.data();
  } else {
    int comp = 0;
    if (stbi_info_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp) == 0)
      decode_failed(file, decoder_reason());
    check_pixel_count(w, h, file);
    png_pixels.reset(stbi_load_from_memory(bytes.data(), checked_length(bytes, file), &w, &h, &comp, channels));
    if (!png_pixels) decode_failed(file, decoder_reason());
    hwc = png_pixels.get();
  }

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
