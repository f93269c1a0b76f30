#include "common/image_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <ATen/ATen.h>

#include "common/rng.hpp"
#include "nashost/error.hpp"

namespace nas::data {

OptionList common_image_options() {
  return {
      {"data_dir", OptionType::String, "",
       "folder with the dataset files; \"\" = $NAS_DATA_DIR/<name> if NAS_DATA_DIR is set, else ./data/<name>"},
      {"valid_fraction", OptionType::Float, 0.5,
       "fraction of the official training set held out as the valid split (0 <= f < 1)"},
      {"split_seed", OptionType::Int, 0, "seed of the shuffle that divides train and valid"},
      {"split_shuffle", OptionType::Bool, true,
       "shuffle before splitting; false = train is the first part, valid the last, in file order"},
      {"subset", OptionType::Int, 0,
       "use only this many training examples (and proportionally fewer test examples); 0 = all"},
      {"normalize", OptionType::Bool, true, "subtract the dataset mean and divide by its std per channel"},
  };
}

SplitOptions split_options(const Config& cfg) {
  SplitOptions s;
  s.valid_fraction = cfg.get_float("valid_fraction");
  if (!(s.valid_fraction >= 0.0 && s.valid_fraction < 1.0))
    throw ConfigError(cfg.full_key("valid_fraction") + " must be in [0, 1), got " + std::to_string(s.valid_fraction));
  s.split_seed = static_cast<uint64_t>(cfg.get_int("split_seed"));
  s.split_shuffle = cfg.get_bool("split_shuffle");
  s.subset = cfg.get_int("subset");
  if (s.subset < 0)
    throw ConfigError(cfg.full_key("subset") + " must be >= 0 (0 = all), got " + std::to_string(s.subset));
  return s;
}

SplitIndices make_split(int64_t train_size, int64_t test_size, const SplitOptions& options) {
  std::vector<int64_t> pool(static_cast<size_t>(train_size));
  std::iota(pool.begin(), pool.end(), 0);
  if (options.split_shuffle) {
    Rng rng(mix_seed(options.split_seed, 0x73706C6974ull));  // "split"
    rng.shuffle(pool);
  }
  int64_t n_test = test_size;
  if (options.subset > 0 && options.subset < train_size) {
    pool.resize(static_cast<size_t>(options.subset));
    n_test =
        std::clamp<int64_t>(std::llround(static_cast<double>(options.subset) * test_size / train_size), 1, test_size);
  }
  // Train gets floor((1 - f)·n), like quark0/pt.darts' floor(0.5·n) first half.
  const auto n = static_cast<int64_t>(pool.size());
  const auto n_train = static_cast<int64_t>(std::floor(static_cast<double>(n) * (1.0 - options.valid_fraction) + 1e-9));
  SplitIndices s;
  s.train.assign(pool.begin(), pool.begin() + n_train);
  s.valid.assign(pool.begin() + n_train, pool.end());
  s.train_full = pool;
  // Sorted, so an unshuffled loader walks a split in file order.
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.valid.begin(), s.valid.end());
  std::sort(s.train_full.begin(), s.train_full.end());
  s.test.resize(static_cast<size_t>(n_test));
  std::iota(s.test.begin(), s.test.end(), 0);
  return s;
}

InMemoryImageDataset::InMemoryImageDataset(DatasetInfo info, ImageArrays train, ImageArrays test,
                                           ImageTransform transform, SplitOptions split)
    : info_(std::move(info)),
      train_(std::make_shared<const ImageArrays>(std::move(train))),
      test_(std::make_shared<const ImageArrays>(std::move(test))),
      transform_(std::move(transform)),
      split_(make_split(train_->size(), test_->size(), split)) {}

InMemoryImageDataset::InMemoryImageDataset(DatasetInfo info, ImageArrays train, ImageArrays test,
                                           ImageTransform transform, SplitIndices split)
    : info_(std::move(info)),
      train_(std::make_shared<const ImageArrays>(std::move(train))),
      test_(std::make_shared<const ImageArrays>(std::move(test))),
      transform_(std::move(transform)),
      split_(std::move(split)) {}

const std::vector<int64_t>& InMemoryImageDataset::indices(Split split) const {
  switch (split) {
    case Split::Train:
      return split_.train;
    case Split::Valid:
      return split_.valid;
    case Split::TrainFull:
      return split_.train_full;
    case Split::Test:
      return split_.test;
  }
  throw Error("unknown split");
}

int64_t InMemoryImageDataset::size(Split split) const { return static_cast<int64_t>(indices(split).size()); }

std::unique_ptr<BatchLoader> InMemoryImageDataset::loader(Split split, const LoaderOptions& options) {
  if (indices(split).empty())
    throw ConfigError("dataset '" + info_.name + "': the " + split_name(split) +
                      " split is empty (check valid_fraction and subset)");
  const auto& arrays = split == Split::Test ? test_ : train_;
  return std::make_unique<ImageLoader>(arrays, indices(split), transform_, options);
}

}  // namespace nas::data
