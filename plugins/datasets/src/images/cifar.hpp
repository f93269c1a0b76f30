#pragma once
// CIFAR-10 and CIFAR-100, binary versions (records of label byte(s) + 3072 pixel bytes,
// R plane then G then B, 32×32 each).
#include <filesystem>
#include <memory>
#include <vector>

#include "common/image_dataset.hpp"
#include "nashost/config.hpp"
#include "nashost/context.hpp"

namespace nas::data {

OptionList cifar10_options();
OptionList cifar100_options();  ///< adds `label` = "fine" | "coarse"

/// Images N×3×32×32 uint8 and labels from binary record files. `label_bytes` is 1 (CIFAR-10)
/// or 2 (CIFAR-100: coarse, fine); `label_index` picks which byte is the label.
/// DataError naming the file and its size when it is not a whole number of records, or
/// the file and byte offset of a label >= num_classes.
ImageArrays read_cifar_records(const std::vector<std::filesystem::path>& files, int label_bytes, int label_index,
                               int64_t num_classes);

std::shared_ptr<InMemoryImageDataset> load_cifar10(const Config& cfg, HostContext* ctx);
std::shared_ptr<InMemoryImageDataset> load_cifar100(const Config& cfg, HostContext* ctx);

}  // namespace nas::data
