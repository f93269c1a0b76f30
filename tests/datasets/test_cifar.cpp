// CIFAR binary files generated in the official layout.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "images/cifar.hpp"
#include "nashost/error.hpp"
#include "test_helpers.hpp"

using nas::Split;
namespace fs = std::filesystem;

namespace {
// `n` records; label bytes (coarse = i % 20, fine = i % 100) or (i % 10); pixel p of record i = (i + p) % 256.
std::vector<uint8_t> records(int n, int label_bytes, int first = 0) {
  std::vector<uint8_t> b;
  for (int i = first; i < first + n; ++i) {
    if (label_bytes == 1) {
      b.push_back(static_cast<uint8_t>(i % 10));
    } else {
      b.push_back(static_cast<uint8_t>(i % 20));
      b.push_back(static_cast<uint8_t>(i % 100));
    }
    for (int p = 0; p < 3072; ++p) b.push_back(static_cast<uint8_t>((i + p) % 256));
  }
  return b;
}
nas::Config cfg(const nas::OptionList& opts, nas::Json j) { return nas::Config::validated(j, opts, "dataset"); }
}  // namespace

TEST(Cifar, Cifar10BatchesInTheArchiveFolder) {
  nas::test::TempDir tmp("cifar10");
  const auto dir = tmp.path / "cifar-10-batches-bin";
  for (int b = 1; b <= 5; ++b)
    nas::test::write_file(dir / ("data_batch_" + std::to_string(b) + ".bin"), records(4, 1, (b - 1) * 4));
  nas::test::write_file(dir / "test_batch.bin", records(6, 1, 100));
  auto d = nas::data::load_cifar10(cfg(nas::data::cifar10_options(), {{"data_dir", tmp.path.string()}}), nullptr);
  EXPECT_EQ(d->info().input_shape, (std::vector<int64_t>{3, 32, 32}));
  EXPECT_EQ(d->info().class_names.at(3), "cat");
  EXPECT_EQ(d->size(Split::TrainFull), 20);
  EXPECT_EQ(d->size(Split::Train), 10);
  EXPECT_EQ(d->size(Split::Test), 6);
  const auto& tr = d->train_arrays();
  EXPECT_EQ(tr.targets[13].item<int64_t>(), 3);
  // Record 13: channel 1 (G) row 2 col 5 is pixel 1024 + 69 of the record.
  EXPECT_EQ(tr.images[13][1][2][5].item<int>(), (13 + 1024 + 69) % 256);
  nas::LoaderOptions o;
  o.batch_size = 6;
  o.shuffle = false;
  auto batch = d->loader(Split::Test, o)->next();
  ASSERT_TRUE(batch);
  EXPECT_NEAR(batch->input[0][2][0][0].item<float>(), ((100 + 2048) % 256 / 255.0 - 0.44653124) / 0.26158768, 1e-5);
}

TEST(Cifar, WrongRecordSizeNamesFileAndSize) {
  nas::test::TempDir tmp("cifar-bad");
  for (int b = 1; b <= 5; ++b)
    nas::test::write_file(tmp.path / ("data_batch_" + std::to_string(b) + ".bin"), records(2, 1));
  auto bad = records(2, 1);
  bad.pop_back();
  nas::test::write_file(tmp.path / "test_batch.bin", bad);
  try {
    nas::data::load_cifar10(cfg(nas::data::cifar10_options(), {{"data_dir", tmp.path.string()}}), nullptr);
    FAIL() << "expected DataError";
  } catch (const nas::DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((tmp.path / "test_batch.bin").string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(bad.size()) + " bytes"), std::string::npos) << msg;
  }
  // A CIFAR-10 file read as CIFAR-100 is recognised.
  nas::test::write_file(tmp.path / "train.bin", records(3, 1));
  nas::test::write_file(tmp.path / "test.bin", records(2, 2));
  try {
    nas::data::load_cifar100(cfg(nas::data::cifar100_options(), {{"data_dir", tmp.path.string()}}), nullptr);
    FAIL() << "expected DataError";
  } catch (const nas::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("looks like a CIFAR-10 file"), std::string::npos) << e.what();
  }
}

TEST(Cifar, Cifar100FineAndCoarseLabels) {
  nas::test::TempDir tmp("cifar100");
  nas::test::write_file(tmp.path / "cifar100" / "train.bin", records(30, 2));
  nas::test::write_file(tmp.path / "cifar100" / "test.bin", records(10, 2));
  const auto root = tmp.path.string();
  auto fine = nas::data::load_cifar100(cfg(nas::data::cifar100_options(), {{"data_dir", root}}), nullptr);
  EXPECT_EQ(fine->info().num_outputs, 100);
  EXPECT_EQ(fine->train_arrays().targets[27].item<int64_t>(), 27);
  auto coarse =
      nas::data::load_cifar100(cfg(nas::data::cifar100_options(), {{"data_dir", root}, {"label", "coarse"}}), nullptr);
  EXPECT_EQ(coarse->info().num_outputs, 20);
  EXPECT_EQ(coarse->train_arrays().targets[27].item<int64_t>(), 7);
  EXPECT_TRUE(at::equal(fine->train_arrays().images, coarse->train_arrays().images));
  EXPECT_THROW(
      nas::data::load_cifar100(cfg(nas::data::cifar100_options(), {{"data_dir", root}, {"label", "x"}}), nullptr),
      nas::ConfigError);
}
