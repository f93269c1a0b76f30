#pragma once
// JPEG files decoded with libjpeg-turbo (Debian libjpeg-dev). stb_image decodes PNG only:
// fuzzing found JPEG layouts that make stb write out of bounds (docs/testing.md), while
// libjpeg-turbo validates its input and is fuzzed continuously upstream.
#include <cstdint>
#include <string>
#include <vector>

namespace nas::data {

/// True when `bytes` begin with a JPEG start-of-image marker.
bool looks_like_jpeg(const std::vector<uint8_t>& bytes);

struct JpegHeader {
  int height = 0, width = 0;
};

/// Reads the header only. Throws nas::DataError naming `name` with libjpeg's reason.
JpegHeader read_jpeg_header(const std::vector<uint8_t>& bytes, const std::string& name);

/// Decodes to `channels` (1: grey, the luminance libjpeg computes; 3: RGB) interleaved rows
/// of `header.width` pixels. The pixel count is checked by the caller against `header` first.
/// A truncated file is an error (libjpeg would fill the missing rows with grey).
std::vector<uint8_t> decode_jpeg(const std::vector<uint8_t>& bytes, int channels, const std::string& name);

}  // namespace nas::data
