#pragma once
// An image dataset held in memory: the official train and test arrays, the train/valid
// split, and loaders over them. Every image dataset plugin (IDX, CIFAR, synthetic)
// decodes its files into ImageArrays and hands them to this class.
#include <memory>
#include <string>
#include <vector>

#include "common/image_loader.hpp"
#include "nashost/config.hpp"
#include "nashost/dataset.hpp"

namespace nas::data {

/// How the official training set is divided and trimmed.
struct SplitOptions {
  double valid_fraction = 0.5;  ///< Valid = this fraction of the (subset of the) training set
  uint64_t split_seed = 0;
  bool split_shuffle = true;  ///< false: Train = first part, Valid = last part, in file order
  int64_t subset = 0;         ///< 0 = all; else this many training examples and proportionally fewer test examples
};

/// The options every file-backed image dataset accepts (data_dir, valid_fraction,
/// split_seed, split_shuffle, subset, normalize).
OptionList common_image_options();
/// The split options from a validated Config; ConfigError naming the key when out of range.
SplitOptions split_options(const Config& cfg);

/// Train/valid/test example indices (into the train resp. test arrays), computed once.
struct SplitIndices {
  std::vector<int64_t> train, valid, train_full, test;
};
SplitIndices make_split(int64_t train_size, int64_t test_size, const SplitOptions& options);

class InMemoryImageDataset : public Dataset {
 public:
  InMemoryImageDataset(DatasetInfo info, ImageArrays train, ImageArrays test, ImageTransform transform,
                       SplitOptions split);
  /// With split indices computed by the caller (datasets whose valid split is its own folder).
  InMemoryImageDataset(DatasetInfo info, ImageArrays train, ImageArrays test, ImageTransform transform,
                       SplitIndices split);

  const DatasetInfo& info() const override { return info_; }
  int64_t size(Split split) const override;
  std::unique_ptr<BatchLoader> loader(Split split, const LoaderOptions& options) override;

  /// Indices of a split into its array (the train array for Train/Valid/TrainFull).
  const std::vector<int64_t>& indices(Split split) const;
  const ImageArrays& train_arrays() const { return *train_; }
  const ImageArrays& test_arrays() const { return *test_; }
  const ImageTransform& transform() const { return transform_; }

 private:
  DatasetInfo info_;
  std::shared_ptr<const ImageArrays> train_;
  std::shared_ptr<const ImageArrays> test_;
  ImageTransform transform_;
  SplitIndices split_;
};

}  // namespace nas::data
