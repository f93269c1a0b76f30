// The shared in-memory image dataset and its threaded loader: determinism, splits,
// augmentation geometry, cutout, targets.
#include <set>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "common/image_dataset.hpp"
#include "nashost/error.hpp"

using nas::Split;
using nas::data::ImageArrays;
using nas::data::ImageTransform;
using nas::data::InMemoryImageDataset;
using nas::data::SplitOptions;

namespace {

// n uint8 images C×H×W whose pixels encode (example, channel, y, x); target = example index,
// so batches reveal exactly which examples they hold.
ImageArrays indexed_arrays(int64_t n, int64_t C = 1, int64_t H = 8, int64_t W = 8) {
  at::Tensor images = at::empty({n, C, H, W}, at::kByte);
  auto* p = images.data_ptr<uint8_t>();
  for (int64_t i = 0; i < images.numel(); ++i) p[i] = static_cast<uint8_t>((i * 37 + i / 64) % 251 + 1);
  return {images, at::arange(n, at::kLong)};
}

ImageTransform plain_transform(int64_t C = 1) {
  ImageTransform t;
  t.mean.assign(C, 0.0);
  t.std.assign(C, 1.0);
  t.scale = 1.0;  // loader output = raw value, easy to compare
  t.crop_padding = 2;
  t.hflip = true;
  return t;
}

std::shared_ptr<InMemoryImageDataset> make(int64_t n_train, int64_t n_test, SplitOptions split = {},
                                           ImageTransform t = plain_transform()) {
  nas::DatasetInfo info;
  info.name = "toy";
  info.input_shape = {1, 8, 8};
  info.num_outputs = n_train;
  return std::make_shared<InMemoryImageDataset>(info, indexed_arrays(n_train), indexed_arrays(n_test), t, split);
}

std::vector<nas::Batch> epoch(nas::BatchLoader& loader, int64_t e) {
  loader.start_epoch(e);
  std::vector<nas::Batch> out;
  while (auto b = loader.next()) out.push_back(*b);
  return out;
}

std::vector<int64_t> targets_of(const std::vector<nas::Batch>& batches) {
  std::vector<int64_t> ids;
  for (const auto& b : batches)
    for (int64_t i = 0; i < b.target.size(0); ++i) ids.push_back(b.target[i].item<int64_t>());
  return ids;
}

}  // namespace

TEST(ImageLoader, SameSeedSameBatchesWhateverTheThreads) {
  auto data = make(200, 10);
  nas::LoaderOptions a;
  a.batch_size = 16;
  a.augment = true;
  a.cutout = 3;
  a.seed = 7;
  a.workers = 0;
  nas::LoaderOptions b = a;
  b.workers = 3;
  auto la = data->loader(Split::TrainFull, a);
  auto lb = data->loader(Split::TrainFull, b);
  for (int64_t e : {0, 1, 5}) {
    const auto ea = epoch(*la, e), eb = epoch(*lb, e);
    ASSERT_EQ(ea.size(), 13u);
    ASSERT_EQ(eb.size(), ea.size());
    for (size_t i = 0; i < ea.size(); ++i) {
      EXPECT_TRUE(at::equal(ea[i].input, eb[i].input)) << "epoch " << e << " batch " << i;
      EXPECT_TRUE(at::equal(ea[i].target, eb[i].target)) << "epoch " << e << " batch " << i;
    }
  }
}

TEST(ImageLoader, EpochsAndSeedsChangeTheOrderButEachEpochCoversTheSplitOnce) {
  auto data = make(100, 10);
  nas::LoaderOptions o;
  o.batch_size = 10;
  o.workers = 2;
  auto loader = data->loader(Split::TrainFull, o);
  const auto e0 = targets_of(epoch(*loader, 0)), e1 = targets_of(epoch(*loader, 1));
  EXPECT_NE(e0, e1);
  EXPECT_EQ(std::set<int64_t>(e0.begin(), e0.end()).size(), 100u);
  EXPECT_EQ(std::set<int64_t>(e1.begin(), e1.end()).size(), 100u);
  o.seed = 1;
  auto other = data->loader(Split::TrainFull, o);
  EXPECT_NE(targets_of(epoch(*other, 0)), e0);
  o.shuffle = false;
  auto ordered = data->loader(Split::TrainFull, o);
  const auto in_order = targets_of(epoch(*ordered, 3));
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(in_order[i], i);
}

TEST(ImageLoader, DropLastAndBatchCounts) {
  auto data = make(100, 10);
  nas::LoaderOptions o;
  o.batch_size = 32;
  auto keep = data->loader(Split::TrainFull, o);
  EXPECT_EQ(keep->batches_per_epoch(), 4);
  auto batches = epoch(*keep, 0);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches.back().input.size(0), 4);
  o.drop_last = true;
  auto drop = data->loader(Split::TrainFull, o);
  EXPECT_EQ(drop->batches_per_epoch(), 3);
  EXPECT_EQ(epoch(*drop, 0).size(), 3u);
}

TEST(ImageLoader, DestroyingMidEpochDoesNotHang) {
  auto data = make(500, 10);
  nas::LoaderOptions o;
  o.batch_size = 4;
  o.workers = 4;
  auto loader = data->loader(Split::TrainFull, o);
  loader->start_epoch(0);
  ASSERT_TRUE(loader->next());
  loader->start_epoch(1);  // abandons epoch 0
  ASSERT_TRUE(loader->next());
  loader.reset();
  SUCCEED();
}

TEST(Splits, TrainAndValidAreDisjointAndCoverTheTrainingSet) {
  SplitOptions s;
  s.valid_fraction = 0.3;
  s.split_seed = 3;
  auto data = make(101, 10, s);
  const auto& train = data->indices(Split::Train);
  const auto& valid = data->indices(Split::Valid);
  EXPECT_EQ(train.size(), 70u);  // floor(0.7·101)
  EXPECT_EQ(valid.size(), 31u);
  std::set<int64_t> all(train.begin(), train.end());
  for (auto v : valid) EXPECT_TRUE(all.insert(v).second) << "example " << v << " in both splits";
  EXPECT_EQ(all.size(), 101u);
  EXPECT_EQ(data->size(Split::TrainFull), 101);
  EXPECT_EQ(data->size(Split::Test), 10);
  // A shuffled split is not simply the first 70.
  EXPECT_NE(train.back(), 69);
  // The valid loader yields exactly the valid examples.
  nas::LoaderOptions o;
  o.batch_size = 8;
  auto ids = targets_of(epoch(*data->loader(Split::Valid, o), 0));
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()), std::set<int64_t>(valid.begin(), valid.end()));
  // Same split seed, same split; another seed, another split.
  EXPECT_EQ(make(101, 10, s)->indices(Split::Train), train);
  s.split_seed = 4;
  EXPECT_NE(make(101, 10, s)->indices(Split::Train), train);
}

TEST(Splits, UnshuffledSplitIsFirstAndLastPart) {
  SplitOptions s;
  s.split_shuffle = false;
  auto data = make(10, 4, s);
  EXPECT_EQ(data->indices(Split::Train), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(data->indices(Split::Valid), (std::vector<int64_t>{5, 6, 7, 8, 9}));
}

TEST(Splits, SubsetTrimsTrainAndTestProportionally) {
  SplitOptions s;
  s.subset = 100;
  auto data = make(1000, 200, s);
  EXPECT_EQ(data->size(Split::TrainFull), 100);
  EXPECT_EQ(data->size(Split::Train), 50);
  EXPECT_EQ(data->size(Split::Valid), 50);
  EXPECT_EQ(data->size(Split::Test), 20);
  s.valid_fraction = 0.0;
  auto no_valid = make(50, 10, s);
  EXPECT_EQ(no_valid->size(Split::Valid), 0);
  EXPECT_THROW(no_valid->loader(Split::Valid, {}), nas::ConfigError);
}

TEST(Augment, EveryImageIsAPaddedCropOrItsMirror) {
  auto data = make(20, 4);
  nas::LoaderOptions o;
  o.batch_size = 20;
  o.augment = true;
  o.shuffle = false;
  auto batch = epoch(*data->loader(Split::TrainFull, o), 0).at(0);
  const auto& src = data->train_arrays().images;
  const int64_t pad = 2, H = 8, W = 8;
  int64_t flipped = 0, shifted = 0;
  for (int64_t i = 0; i < 20; ++i) {
    at::Tensor padded = at::constant_pad_nd(src[i].to(at::kFloat), {pad, pad, pad, pad}, 0.0);
    bool matched = false;
    for (int64_t oy = 0; oy <= 2 * pad && !matched; ++oy)
      for (int64_t ox = 0; ox <= 2 * pad && !matched; ++ox)
        for (bool flip : {false, true}) {
          at::Tensor crop = padded.slice(1, oy, oy + H).slice(2, ox, ox + W);
          if (flip) crop = crop.flip({2});
          if (at::equal(crop, batch.input[i])) {
            matched = true;
            flipped += flip;
            shifted += (oy != pad || ox != pad);
            break;
          }
        }
    EXPECT_TRUE(matched) << "example " << i << " is not a padded crop (+flip) of its source";
  }
  EXPECT_GT(flipped, 0);
  EXPECT_LT(flipped, 20);
  EXPECT_GT(shifted, 10);
  // Without augment the images pass through unchanged.
  o.augment = false;
  auto plain = epoch(*data->loader(Split::TrainFull, o), 0).at(0);
  EXPECT_TRUE(at::equal(plain.input, src.to(at::kFloat)));
}

TEST(Augment, NormalisationUsesTheGivenConstantsAndPadsWithNormalisedZero) {
  ImageTransform t = plain_transform();
  t.scale = 1.0 / 255;
  t.mean = {0.25};
  t.std = {0.5};
  auto data = make(4, 2, {}, t);
  nas::LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  auto batch = epoch(*data->loader(Split::Test, o), 0).at(0);
  at::Tensor expected = (data->test_arrays().images.to(at::kFloat) / 255 - 0.25) / 0.5;
  EXPECT_TRUE(at::allclose(batch.input.slice(0, 0, 2), expected, 1e-6, 1e-6));
}

TEST(Cutout, ZeroesOneClippedSquarePerImage) {
  // Constant images (value 9) so every zero comes from cutout.
  nas::DatasetInfo info;
  info.name = "flat";
  ImageArrays arrays{at::full({64, 2, 12, 12}, 9, at::kByte), at::zeros({64}, at::kLong)};
  ImageTransform t = plain_transform(2);
  auto data = std::make_shared<InMemoryImageDataset>(info, arrays, arrays, t, SplitOptions{});
  nas::LoaderOptions o;
  o.batch_size = 64;
  o.cutout = 6;
  auto batch = epoch(*data->loader(Split::TrainFull, o), 0).at(0);
  int64_t full_squares = 0;
  for (int64_t i = 0; i < 64; ++i) {
    at::Tensor zero = batch.input[i].eq(0);
    EXPECT_TRUE(at::equal(zero[0], zero[1])) << "cutout must cover all channels";
    at::Tensor rows = zero[0].any(1).nonzero().flatten(), cols = zero[0].any(0).nonzero().flatten();
    ASSERT_GT(rows.numel(), 0) << "example " << i << " has no cutout";
    const int64_t h = rows.numel(), w = cols.numel();
    EXPECT_EQ(zero[0].sum().item<int64_t>(), h * w) << "zeros of example " << i << " are not a rectangle";
    EXPECT_EQ(rows[-1].item<int64_t>() - rows[0].item<int64_t>() + 1, h);
    EXPECT_GE(h, 3);
    EXPECT_LE(h, 6);
    EXPECT_GE(w, 3);
    EXPECT_LE(w, 6);
    full_squares += (h == 6 && w == 6);
    EXPECT_EQ(batch.input[i].ne(0).sum().item<int64_t>(), batch.input[i].eq(9).sum().item<int64_t>());
  }
  EXPECT_GT(full_squares, 10);
}

TEST(Targets, RegressionTargetsAreFloatNx1) {
  nas::DatasetInfo info;
  info.name = "reg";
  info.task = nas::Task::Regression;
  at::Tensor y = at::arange(10, at::kFloat).unsqueeze(1) * 0.5;
  ImageArrays arrays{at::rand({10, 1, 4, 4}), y};
  ImageTransform t;
  t.mean = {0};
  t.std = {1};
  t.scale = 1;
  auto data = std::make_shared<InMemoryImageDataset>(info, arrays, arrays, t, SplitOptions{});
  nas::LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  auto batch = epoch(*data->loader(Split::Test, o), 0).at(1);
  EXPECT_EQ(batch.target.scalar_type(), at::kFloat);
  EXPECT_EQ(batch.target.sizes(), at::IntArrayRef({4, 1}));
  EXPECT_FLOAT_EQ(batch.target[0][0].item<float>(), 2.0f);
  EXPECT_TRUE(at::allclose(batch.input, arrays.images.slice(0, 4, 8)));
}
