#pragma once
// MNIST and Fashion-MNIST from their official IDX files.
#include <memory>
#include <string>
#include <vector>

#include "common/image_dataset.hpp"
#include "nashost/config.hpp"
#include "nashost/context.hpp"

namespace nas::data {

struct IdxDatasetSpec {
  std::string name;          ///< registry name, e.g. "fashion-mnist"
  std::string dir;           ///< sub-folder of the data directory, e.g. "fashion-mnist"
  std::string source;        ///< where the official files come from
  double mean = 0, std = 1;  ///< on 0–1 pixel values
  bool hflip = false;        ///< part of the training augmentation
  std::vector<std::string> class_names;
};

const IdxDatasetSpec& mnist_spec();
const IdxDatasetSpec& fashion_mnist_spec();

/// The options of both IDX datasets (the common image options).
OptionList idx_dataset_options();

/// Decodes the four IDX files (gzip or plain) named by the spec from the data directory.
std::shared_ptr<InMemoryImageDataset> load_idx_dataset(const IdxDatasetSpec& spec, const Config& cfg, HostContext* ctx);

}  // namespace nas::data
