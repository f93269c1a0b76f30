#include "folder/image_decode.hpp"

#include <string>
#include <vector>

#include <stb_image_resize.h>

#include "common/data_files.hpp"
#include "folder/jpeg_decode.hpp"
#include "folder/png_decode.hpp"
#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {

[[noreturn]] void decode_failed(const std::string& file, const std::string& reason) {
  throw DataError("cannot decode image " + file + ": " + reason +
                  " (PNG and JPEG are supported); replace or remove the file");
}

/// A header may claim any size; decoding allocates width x height x channels first. Images
/// of a dataset are small: more than 2^26 pixels (8192 x 8192) is refused before decoding
/// (fuzzing found headers that made the decoder ask for gigabytes).
void check_pixel_count(int w, int h, const std::string& file) {
  if (w <= 0 || h <= 0 || static_cast<int64_t>(w) * h > (int64_t{1} << 26))
    decode_failed(file, "the image claims " + std::to_string(w) + " x " + std::to_string(h) +
                            " pixels (at most 8192 x 8192 are read)");
}

/// The file's bytes, known to be a PNG or a JPEG: anything else is refused here, before a
/// decoder sees it.
std::vector<uint8_t> read_image_bytes(const fs::path& file) {
  auto bytes = read_bytes(file);
  if (bytes.empty()) decode_failed(file.string(), "the file is empty");
  if (!looks_like_png(bytes) && !looks_like_jpeg(bytes)) decode_failed(file.string(), "not a PNG or JPEG file");
  return bytes;
}

}  // namespace

ImageSize read_image_size(const fs::path& file) {
  const auto bytes = read_image_bytes(file);
  int h = 0, w = 0;
  if (looks_like_png(bytes)) {
    const PngHeader ph = read_png_header(bytes, file.string());
    h = ph.height;
    w = ph.width;
  } else {
    const JpegHeader jh = read_jpeg_header(bytes, file.string());
    h = jh.height;
    w = jh.width;
  }
  check_pixel_count(w, h, file.string());
  return {h, w};
}

void decode_image(const fs::path& file, int channels, int height, int width, uint8_t* out) {
  const auto bytes = read_image_bytes(file);
  int h = 0, w = 0;
  std::vector<uint8_t> pixels;  // interleaved H×W×C at the file's size
  if (looks_like_png(bytes)) {
    pixels = decode_png(bytes, channels, file.string(), check_pixel_count);
    const PngHeader ph = read_png_header(bytes, file.string());
    h = ph.height;
    w = ph.width;
  } else {
    const JpegHeader jh = read_jpeg_header(bytes, file.string());
    check_pixel_count(jh.width, jh.height, file.string());
    pixels = decode_jpeg(bytes, channels, file.string());
    h = jh.height;
    w = jh.width;
  }

  const uint8_t* hwc = pixels.data();
  std::vector<uint8_t> resized;
  if (h != height || w != width) {
    resized.resize(static_cast<size_t>(height) * width * channels);
    if (stbir_resize_uint8_generic(hwc, w, h, 0, resized.data(), width, height, 0, channels, STBIR_ALPHA_CHANNEL_NONE,
                                   0, STBIR_EDGE_CLAMP, STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_LINEAR, nullptr) == 0)
      throw DataError("cannot resize image " + file.string() + " from " + std::to_string(h) + "x" + std::to_string(w) +
                      " to " + std::to_string(height) + "x" + std::to_string(width));
    hwc = resized.data();
  }
  // Interleaved H×W×C → planar C×H×W.
  const size_t plane = static_cast<size_t>(height) * width;
  for (int c = 0; c < channels; ++c)
    for (size_t p = 0; p < plane; ++p) out[c * plane + p] = hwc[p * channels + c];
}

}  // namespace nas::data
