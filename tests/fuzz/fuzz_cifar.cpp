// CIFAR-10 / CIFAR-100 binary record files (plugins/datasets/src/images/cifar.cpp).
// read_cifar_records takes paths, so the input goes through a scratch file; it is read the
// three ways the datasets read it (CIFAR-10; CIFAR-100 fine and coarse labels).
#include "fuzz_util.hpp"
#include "images/cifar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = nas::fuzz::write_file("data_batch.bin", data, size);
  nas::fuzz::guarded([&] { (void)nas::data::read_cifar_records({file}, 1, 0, 10); });
  nas::fuzz::guarded([&] { (void)nas::data::read_cifar_records({file}, 2, 1, 100); });
  nas::fuzz::guarded([&] { (void)nas::data::read_cifar_records({file, file}, 2, 0, 20); });
  return 0;
}
