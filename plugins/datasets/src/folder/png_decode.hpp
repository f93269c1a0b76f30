#pragma once
// PNG files decoded with libpng's simplified API (Debian libpng-dev). stb_image is not used
// for decoding: fuzzing found JPEG layouts that made it write out of bounds and PNG chunk
// layouts that reach undefined behaviour inside it (docs/testing.md); libpng validates every
// chunk and is fuzzed continuously upstream.
#include <cstdint>
#include <string>
#include <vector>

namespace nas::data {

/// True when `bytes` begin with the PNG signature.
bool looks_like_png(const std::vector<uint8_t>& bytes);

struct PngHeader {
  int height = 0, width = 0;
};

/// Reads the header only. Throws nas::DataError naming `name` with libpng's reason.
PngHeader read_png_header(const std::vector<uint8_t>& bytes, const std::string& name);

/// Decodes to `channels` (1: grey, the luminance (77 R + 150 G + 29 B) / 256 of a colour
/// image; 3: RGB, a grey image repeated) interleaved rows; an alpha channel is dropped, a
/// palette expanded, 16-bit samples scaled to 8. `check_size(width, height)` runs before the
/// pixels are allocated and may throw.
std::vector<uint8_t> decode_png(const std::vector<uint8_t>& bytes, int channels, const std::string& name,
                                void (*check_size)(int width, int height, const std::string& name));

}  // namespace nas::data
