// synthetic-images: marked synthetic, reproducible, and learnable.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "synthetic/synthetic_images.hpp"

using nas::Split;

namespace {
std::shared_ptr<nas::data::InMemoryImageDataset> synth(nas::Json options) {
  return nas::data::make_synthetic_images(
      nas::Config::validated(options, nas::data::synthetic_image_options(), "dataset"), nullptr);
}
}  // namespace

TEST(SyntheticImages, InfoShapesAndSplits) {
  auto d = synth({{"shape", {3, 16, 12}}, {"classes", 4}, {"train_size", 400}, {"test_size", 100}});
  EXPECT_TRUE(d->info().synthetic);
  EXPECT_EQ(d->info().source, "synthetic");
  EXPECT_EQ(d->info().input_shape, (std::vector<int64_t>{3, 16, 12}));
  EXPECT_EQ(d->info().num_outputs, 4);
  EXPECT_EQ(d->size(Split::Train), 200);
  EXPECT_EQ(d->size(Split::Test), 100);
  nas::LoaderOptions o;
  o.batch_size = 32;
  o.augment = true;
  auto batch = d->loader(Split::Train, o)->next();
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->input.sizes(), at::IntArrayRef({32, 3, 16, 12}));
  EXPECT_EQ(batch->target.max().item<int64_t>() < 4, true);
}

TEST(SyntheticImages, SameSeedSameDataOtherSeedOtherData) {
  auto a = synth({{"seed", 5}, {"train_size", 50}, {"test_size", 10}});
  auto b = synth({{"seed", 5}, {"train_size", 50}, {"test_size", 10}});
  auto c = synth({{"seed", 6}, {"train_size", 50}, {"test_size", 10}});
  EXPECT_TRUE(at::equal(a->train_arrays().images, b->train_arrays().images));
  EXPECT_FALSE(at::equal(a->train_arrays().images, c->train_arrays().images));
}

TEST(SyntheticImages, ClassesAreLearnableButNoisy) {
  // Nearest class mean (fitted on train) classifies the test set well above chance.
  auto d = synth({{"classes", 5}, {"train_size", 1000}, {"test_size", 500}, {"max_shift", 0}});
  const auto& tr = d->train_arrays();
  const auto& te = d->test_arrays();
  at::Tensor x = tr.images.flatten(1), xt = te.images.flatten(1);
  std::vector<at::Tensor> means;
  for (int64_t k = 0; k < 5; ++k) means.push_back(x.index({tr.targets.eq(k)}).mean(0));
  at::Tensor dist = at::cdist(xt, at::stack(means));
  const double acc = dist.argmin(1).eq(te.targets).to(at::kDouble).mean().item<double>();
  EXPECT_GT(acc, 0.9);
  // One pixel alone does not separate the classes.
  at::Tensor one = xt.select(1, 100).unsqueeze(1);
  at::Tensor pix_means = at::stack(means).select(1, 100).unsqueeze(1);
  const double pix_acc = at::cdist(one, pix_means).argmin(1).eq(te.targets).to(at::kDouble).mean().item<double>();
  EXPECT_LT(pix_acc, 0.7);
}

TEST(SyntheticImages, BadOptionsNameTheKey) {
  try {
    synth({{"shape", {3, 16}}});
    FAIL() << "expected ConfigError";
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset.shape"), std::string::npos) << e.what();
  }
  EXPECT_THROW(synth({{"valid_fraction", 1.0}}), nas::ConfigError);
  EXPECT_THROW(synth({{"classes", 1}}), nas::ConfigError);
}
