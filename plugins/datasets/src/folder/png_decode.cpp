#include "folder/png_decode.hpp"

#include <algorithm>
#include <cstring>

#include <png.h>

#include "nashost/error.hpp"

namespace nas::data {

namespace {

/// A png_image released on every path (libpng frees it itself after a failed call; a second
/// png_image_free is harmless).
struct PngImage {
  png_image image;
  PngImage() {
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
  }
  ~PngImage() { png_image_free(&image); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
};

[[noreturn]] void fail(const std::string& name, const png_image& image) {
  throw DataError("cannot decode image " + name + ": " + (image.message[0] ? image.message : "damaged PNG data") +
                  " (libpng; PNG and JPEG are supported); replace or remove the file");
}

void begin(PngImage& png, const std::vector<uint8_t>& bytes, const std::string& name) {
  if (png_image_begin_read_from_memory(&png.image, bytes.data(), bytes.size()) == 0) fail(name, png.image);
}

}  // namespace

bool looks_like_png(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0;
}

PngHeader read_png_header(const std::vector<uint8_t>& bytes, const std::string& name) {
  PngImage png;
  begin(png, bytes, name);
  return {static_cast<int>(png.image.height), static_cast<int>(png.image.width)};
}

std::vector<uint8_t> decode_png(const std::vector<uint8_t>& bytes, int channels, const std::string& name,
                                void (*check_size)(int width, int height, const std::string& name)) {
  if (channels != 1 && channels != 3)
    throw Error("decode_png: channels must be 1 or 3, got " + std::to_string(channels));
  PngImage png;
  begin(png, bytes, name);
  const int w = static_cast<int>(png.image.width), h = static_cast<int>(png.image.height);
  check_size(w, h, name);
  // The file's own channels (palette expanded); alpha is read and then dropped rather than
  // composited, as the decoder used before did.
  const bool colour = (png.image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  const bool alpha = (png.image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  png.image.format = colour ? (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB) : (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
  const int comps = (colour ? 3 : 1) + (alpha ? 1 : 0);
  std::vector<uint8_t> file_pixels(PNG_IMAGE_SIZE(png.image));
  if (png_image_finish_read(&png.image, nullptr, file_pixels.data(), 0, nullptr) == 0) fail(name, png.image);

  const size_t n = static_cast<size_t>(w) * static_cast<size_t>(h);
  std::vector<uint8_t> out(n * static_cast<size_t>(channels));
  for (size_t p = 0; p < n; ++p) {
    const uint8_t* px = file_pixels.data() + p * static_cast<size_t>(comps);
    uint8_t* o = out.data() + p * static_cast<size_t>(channels);
    if (channels == 1) {
      o[0] = colour ? static_cast<uint8_t>((px[0] * 77 + px[1] * 150 + px[2] * 29) >> 8) : px[0];
    } else {
      for (int c = 0; c < 3; ++c) o[c] = colour ? px[c] : px[0];
    }
  }
  return out;
}

}  // namespace nas::data
