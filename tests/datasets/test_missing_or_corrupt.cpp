// Absent files and damaged files are different errors: only absent files
// (nas::DataMissingError) may make a script fall back to synthetic data; damaged ones stay a
// plain nas::DataError naming the file, which stops the run.
#include <gtest/gtest.h>

#include "images/cifar.hpp"
#include "images/mnist.hpp"
#include "nashost/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using nas::test::TempDir;

namespace {

nas::Config idx_config(const fs::path& dir) {
  return nas::Config::validated({{"data_dir", dir.string()}}, nas::data::idx_dataset_options(), "dataset");
}

void write_fashion_mnist(const fs::path& dir, std::vector<uint8_t> train_labels) {
  nas::test::write_file(dir / "train-images-idx3-ubyte", nas::test::idx_images(10, 28, 28));
  nas::test::write_file(dir / "train-labels-idx1-ubyte", train_labels);
  nas::test::write_file(dir / "t10k-images-idx3-ubyte", nas::test::idx_images(10, 28, 28));
  nas::test::write_file(dir / "t10k-labels-idx1-ubyte", nas::test::idx_labels(10));
}

}  // namespace

TEST(MissingOrCorrupt, AbsentIdxFilesAreDataMissingError) {
  TempDir tmp("absent-idx");
  EXPECT_THROW(nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(), idx_config(tmp.path), nullptr),
               nas::DataMissingError);
  // One of four files absent is still "missing": the message lists it.
  write_fashion_mnist(tmp.path, nas::test::idx_labels(10));
  fs::remove(tmp.path / "t10k-labels-idx1-ubyte");
  try {
    nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(), idx_config(tmp.path), nullptr);
    FAIL() << "expected DataMissingError";
  } catch (const nas::DataMissingError& e) {
    EXPECT_NE(std::string(e.what()).find("t10k-labels-idx1-ubyte"), std::string::npos) << e.what();
  }
}

TEST(MissingOrCorrupt, LabelOutOfRangeIsADataErrorButNotMissing) {
  TempDir tmp("bad-label");
  auto labels = nas::test::idx_labels(10);
  labels[8 + 3] = 11;  // header is 8 bytes: the fourth label becomes 11 (10 classes)
  write_fashion_mnist(tmp.path, labels);
  try {
    nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(), idx_config(tmp.path), nullptr);
    FAIL() << "expected DataError";
  } catch (const nas::DataMissingError& e) {
    FAIL() << "a damaged file must not read as missing: " << e.what();
  } catch (const nas::DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((tmp.path / "train-labels-idx1-ubyte").string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("label 11"), std::string::npos) << msg;
  }
}

TEST(MissingOrCorrupt, AbsentCifarFilesAreDataMissingError) {
  TempDir tmp("absent-cifar");
  const auto cfg = nas::Config::validated({{"data_dir", tmp.path.string()}}, nas::data::cifar10_options(), "dataset");
  EXPECT_THROW(nas::data::load_cifar10(cfg, nullptr), nas::DataMissingError);
}
