// The real MNIST and Fashion-MNIST files from the shared data folder (decoded once per binary).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "images/mnist.hpp"
#include "test_helpers.hpp"

using nas::Split;

namespace {

std::shared_ptr<nas::data::InMemoryImageDataset> load(const nas::data::IdxDatasetSpec& spec) {
  const auto dir = nas::test::shared_data_root() / spec.dir;
  return nas::data::load_idx_dataset(
      spec, nas::Config::validated({{"data_dir", dir.string()}}, nas::data::idx_dataset_options(), "dataset"), nullptr);
}

const std::shared_ptr<nas::data::InMemoryImageDataset>& fmnist() {
  static const auto data = load(nas::data::fashion_mnist_spec());
  return data;
}

// Mean and std of every normalised pixel the loader produces for a split (no augmentation).
std::pair<double, double> loader_stats(nas::Dataset& data, Split split) {
  nas::LoaderOptions o;
  o.batch_size = 5000;
  o.shuffle = false;
  o.workers = 2;
  auto loader = data.loader(split, o);
  double sum = 0, sq = 0;
  int64_t n = 0;
  loader->start_epoch(0);
  while (auto b = loader->next()) {
    at::Tensor x = b->input.to(at::kDouble);
    sum += x.sum().item<double>();
    sq += x.square().sum().item<double>();
    n += x.numel();
  }
  const double mean = sum / n;
  return {mean, std::sqrt(sq / n - mean * mean)};
}

}  // namespace

TEST(RealFashionMnist, CountsAndBalancedLabels) {
  const auto& d = *fmnist();
  EXPECT_EQ(d.info().name, "fashion-mnist");
  EXPECT_FALSE(d.info().synthetic);
  EXPECT_EQ(d.info().num_outputs, 10);
  EXPECT_EQ(d.info().class_names.at(9), "Ankle boot");
  ASSERT_EQ(d.train_arrays().size(), 60000);
  ASSERT_EQ(d.test_arrays().size(), 10000);
  EXPECT_EQ(d.size(Split::Train), 30000);
  EXPECT_EQ(d.size(Split::Valid), 30000);
  EXPECT_EQ(d.size(Split::TrainFull), 60000);
  EXPECT_EQ(d.size(Split::Test), 10000);
  const at::Tensor train_hist = at::bincount(d.train_arrays().targets, {}, 10);
  const at::Tensor test_hist = at::bincount(d.test_arrays().targets, {}, 10);
  for (int64_t k = 0; k < 10; ++k) {
    EXPECT_EQ(train_hist[k].item<int64_t>(), 6000) << "class " << k;
    EXPECT_EQ(test_hist[k].item<int64_t>(), 1000) << "class " << k;
  }
  // Known first examples of the official files: train[0] is an ankle boot, test[0] too.
  EXPECT_EQ(d.train_arrays().targets[0].item<int64_t>(), 9);
  EXPECT_EQ(d.test_arrays().targets[0].item<int64_t>(), 9);
}

TEST(RealFashionMnist, RawPixelMeanMatchesTheNormalisationConstants) {
  const at::Tensor px = fmnist()->train_arrays().images.to(at::kDouble) / 255;
  EXPECT_NEAR(px.mean().item<double>(), nas::data::fashion_mnist_spec().mean, 1e-6);
  EXPECT_NEAR(px.std(/*unbiased=*/false).item<double>(), nas::data::fashion_mnist_spec().std, 1e-6);
}

TEST(RealFashionMnist, NormalisedTrainingPixelsHaveMeanZeroStdOne) {
  const auto [mean, std] = loader_stats(*fmnist(), Split::TrainFull);
  EXPECT_NEAR(mean, 0.0, 1e-4);
  EXPECT_NEAR(std, 1.0, 1e-4);
  const auto [test_mean, test_std] = loader_stats(*fmnist(), Split::Test);
  EXPECT_NEAR(test_mean, 0.0, 0.02);
  EXPECT_NEAR(test_std, 1.0, 0.02);
}

TEST(RealFashionMnist, AugmentedBatchesAreDeterministic) {
  nas::LoaderOptions o;
  o.batch_size = 64;
  o.augment = true;
  o.cutout = 16;
  o.seed = 11;
  o.workers = 2;
  auto a = fmnist()->loader(Split::Train, o);
  o.workers = 1;
  auto b = fmnist()->loader(Split::Train, o);
  a->start_epoch(4);
  b->start_epoch(4);
  for (int i = 0; i < 5; ++i) {
    auto x = a->next(), y = b->next();
    ASSERT_TRUE(x && y);
    EXPECT_EQ(x->input.sizes(), at::IntArrayRef({64, 1, 28, 28}));
    EXPECT_TRUE(at::equal(x->input, y->input));
    EXPECT_TRUE(at::equal(x->target, y->target));
  }
}

TEST(RealMnist, CountsStatsAndSubset) {
  const auto spec = nas::data::mnist_spec();
  const auto dir = nas::test::shared_data_root() / spec.dir;
  auto d = nas::data::load_idx_dataset(spec,
                                       nas::Config::validated({{"data_dir", dir.string()}, {"subset", 6000}},
                                                              nas::data::idx_dataset_options(), "dataset"),
                                       nullptr);
  EXPECT_EQ(d->train_arrays().size(), 60000);
  EXPECT_EQ(d->test_arrays().size(), 10000);
  EXPECT_EQ(d->size(Split::TrainFull), 6000);
  EXPECT_EQ(d->size(Split::Train), 3000);
  EXPECT_EQ(d->size(Split::Test), 1000);
  const at::Tensor px = d->train_arrays().images.to(at::kDouble) / 255;
  EXPECT_NEAR(px.mean().item<double>(), spec.mean, 1e-6);  // pt.darts computed them in float32
  EXPECT_NEAR(px.std(false).item<double>(), spec.std, 1e-6);
  // Official MNIST: train[0] is a 5, test[0] a 7; 5923 zeros in train.
  EXPECT_EQ(d->train_arrays().targets[0].item<int64_t>(), 5);
  EXPECT_EQ(d->test_arrays().targets[0].item<int64_t>(), 7);
  EXPECT_EQ(d->train_arrays().targets.eq(0).sum().item<int64_t>(), 5923);
}
