// IDX (MNIST / Fashion-MNIST) images and labels, plain or gzip, as load_idx_pair reads them
// (plugins/datasets/src/images/idx.cpp): the parsers take bytes, so no file is needed.
#include <ATen/core/Tensor.h>

#include "common/data_files.hpp"
#include "fuzz_util.hpp"
#include "images/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  nas::fuzz::guarded([&] {
    // read_maybe_gzip's rule: gzip when the data starts with 1f 8b.
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) bytes = nas::data::gunzip(bytes, "fuzz.gz");
    // Each parser checks its own magic number, so both see every input.
    nas::fuzz::guarded([&] { (void)nas::data::parse_idx_images(bytes, "fuzz-images"); });
    nas::fuzz::guarded([&] { (void)nas::data::parse_idx_labels(bytes, "fuzz-labels", 10); });
  });
  return 0;
}
