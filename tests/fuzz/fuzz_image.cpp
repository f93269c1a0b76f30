// One image file as the image-folder dataset reads it (plugins/datasets/src/folder/
// image_decode.cpp): the header size, then the decode to grey or RGB, resized to a fixed
// size and, when the image is small, at its own size (the no-resize path).
#include <vector>

#include "folder/image_decode.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto file = nas::fuzz::write_file("image.png", data, size);
  const int channels = (data[size - 1] & 1) ? 3 : 1;  // some byte of the input picks it
  nas::fuzz::guarded([&] {
    const nas::data::ImageSize s = nas::data::read_image_size(file);
    std::vector<uint8_t> out(static_cast<size_t>(channels) * 8 * 6);
    nas::data::decode_image(file, channels, 8, 6, out.data());
    if (s.height > 0 && s.width > 0 && static_cast<int64_t>(s.height) * s.width <= 256 * 256) {
      out.assign(static_cast<size_t>(channels) * s.height * s.width, 0);
      nas::data::decode_image(file, channels, s.height, s.width, out.data());
    }
  });
  return 0;
}
