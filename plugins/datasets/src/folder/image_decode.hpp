#pragma once
// One PNG or JPEG file → C×H×W uint8 pixels: PNG decoded with libpng (png_decode.hpp), JPEG with
// libjpeg-turbo (jpeg_decode.hpp), resized with stb_image_resize (Debian libpng-dev, libjpeg-dev,
// libstb-dev).
#include <cstdint>
#include <filesystem>

namespace nas::data {

struct ImageSize {
  int height = 0, width = 0;
};

/// Height and width from the file's header, without decoding the pixels.
/// DataError naming the file and the decoder's reason when it is not a readable image.
ImageSize read_image_size(const std::filesystem::path& file);

/// Decodes `file` to `channels` channels (1 = grey, luminance of RGB; 3 = RGB, grey repeated;
/// an alpha channel is dropped), resizes it to height×width when it has another size (Mitchell
/// filter when shrinking, Catmull-Rom when enlarging, clamped edges), and writes it channel-first
/// to `out` (channels·height·width bytes). DataError naming the file and the decoder's reason.
void decode_image(const std::filesystem::path& file, int channels, int height, int width, uint8_t* out);

}  // namespace nas::data
