// File formats and the errors a user sees for missing, truncated or malformed files.
#include <cstdlib>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "common/data_files.hpp"
#include "images/idx.hpp"
#include "images/mnist.hpp"
#include "nashost/error.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using nas::test::TempDir;

namespace {

// Runs `fn`, expects a DataError, returns its message.
template <typename Fn>
std::string data_error(Fn&& fn) {
  try {
    fn();
  } catch (const nas::DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected nas::DataError";
  return {};
}

nas::Config idx_config(const fs::path& dir, nas::Json extra = nas::Json::object()) {
  nas::Json j = {{"data_dir", dir.string()}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return nas::Config::validated(j, nas::data::idx_dataset_options(), "dataset");
}

std::vector<uint8_t> plain_data() {
  std::vector<uint8_t> v(200000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  return v;
}

}  // namespace

TEST(DataFiles, GzipAndPlainFilesReadTheSame) {
  TempDir tmp("gz");
  const auto plain = plain_data();
  nas::test::write_file(tmp.path / "a.gz", nas::test::gzip_bytes(plain));
  nas::test::write_file(tmp.path / "a", plain);
  EXPECT_EQ(nas::data::read_maybe_gzip(tmp.path / "a.gz"), plain);
  EXPECT_EQ(nas::data::read_maybe_gzip(tmp.path / "a"), plain);
  // Two concatenated gzip members inflate to both halves.
  auto two = nas::test::gzip_bytes(plain);
  const auto second = nas::test::gzip_bytes(plain);
  two.insert(two.end(), second.begin(), second.end());
  nas::test::write_file(tmp.path / "b.gz", two);
  EXPECT_EQ(nas::data::read_maybe_gzip(tmp.path / "b.gz").size(), 2 * plain.size());
}

TEST(DataFiles, TruncatedGzipNamesFileAndOffset) {
  TempDir tmp("trunc");
  auto gz = nas::test::gzip_bytes(plain_data());
  gz.resize(gz.size() / 2);
  const auto file = tmp.path / "train-images-idx3-ubyte.gz";
  nas::test::write_file(file, gz);
  const auto msg = data_error([&] { nas::data::read_maybe_gzip(file); });
  EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_NE(msg.find("byte offset " + std::to_string(gz.size())), std::string::npos) << msg;
}

TEST(DataFiles, CorruptGzipNamesFileAndOffset) {
  TempDir tmp("corrupt");
  auto gz = nas::test::gzip_bytes(plain_data());
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] ^= 0x5A;
  const auto file = tmp.path / "x.gz";
  nas::test::write_file(file, gz);
  const auto msg = data_error([&] { nas::data::read_maybe_gzip(file); });
  EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("corrupt gzip"), std::string::npos) << msg;
  EXPECT_NE(msg.find("offset"), std::string::npos) << msg;
}

TEST(DataFiles, IdxWrongMagicIsNamed) {
  const fs::path file = "/data/x-images";
  const auto msg = data_error([&] { nas::data::parse_idx_images(nas::test::idx_images(2, 28, 28, 2049), file); });
  EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("magic"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2051"), std::string::npos) << msg;
  const auto msg2 = data_error([&] { nas::data::parse_idx_labels(nas::test::idx_labels(2, 1234), file, 10); });
  EXPECT_NE(msg2.find("2049"), std::string::npos) << msg2;
}

TEST(DataFiles, IdxTruncatedAndOverlongPayload) {
  auto bytes = nas::test::idx_images(3, 28, 28);
  bytes.resize(bytes.size() - 100);
  const auto msg = data_error([&] { nas::data::parse_idx_images(bytes, "imgs"); });
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_NE(msg.find("byte offset " + std::to_string(bytes.size())), std::string::npos) << msg;
  auto longer = nas::test::idx_labels(5);
  longer.push_back(1);
  const auto msg2 = data_error([&] { nas::data::parse_idx_labels(longer, "labs", 10); });
  EXPECT_NE(msg2.find("unexpected bytes"), std::string::npos) << msg2;
  EXPECT_NE(msg2.find("byte offset 13"), std::string::npos) << msg2;
  const auto msg3 = data_error([&] { nas::data::parse_idx_images({0, 0, 8}, "tiny"); });
  EXPECT_NE(msg3.find("tiny"), std::string::npos) << msg3;
}

TEST(DataFiles, IdxLabelOutOfRangeNamesOffset) {
  auto bytes = nas::test::idx_labels(4);
  bytes[8 + 2] = 42;
  const auto msg = data_error([&] { nas::data::parse_idx_labels(bytes, "labs", 10); });
  EXPECT_NE(msg.find("byte offset 10"), std::string::npos) << msg;
}

TEST(DataFiles, IdxParsesPixelsAndLabels) {
  const auto images = nas::data::parse_idx_images(nas::test::idx_images(3, 4, 5), "imgs");
  ASSERT_EQ(images.sizes(), at::IntArrayRef({3, 1, 4, 5}));
  EXPECT_EQ(images[2][0][1][3].item<int>(), (2 * 7 + 1 * 3 + 3) % 256);
  const auto labels = nas::data::parse_idx_labels(nas::test::idx_labels(13), "labs", 10);
  EXPECT_EQ(labels[12].item<int64_t>(), 2);
}

TEST(DataFiles, ImageLabelCountMismatchNamesBothFiles) {
  TempDir tmp("mismatch");
  nas::test::write_file(tmp.path / "i.gz", nas::test::gzip_bytes(nas::test::idx_images(3, 28, 28)));
  nas::test::write_file(tmp.path / "l", nas::test::idx_labels(2));
  const auto msg = data_error([&] { nas::data::load_idx_pair(tmp.path / "i.gz", tmp.path / "l", 10); });
  EXPECT_NE(msg.find((tmp.path / "i.gz").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find((tmp.path / "l").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("3 images"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2 labels"), std::string::npos) << msg;
}

TEST(DataFiles, MissingFilesListEveryPathTriedAndTheSource) {
  TempDir tmp("missing");
  // One file present, three missing: the message lists the three with all their candidates.
  nas::test::write_file(tmp.path / "train-labels-idx1-ubyte.gz", nas::test::gzip_bytes(nas::test::idx_labels(10)));
  const auto msg =
      data_error([&] { nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(), idx_config(tmp.path), nullptr); });
  for (const std::string stem : {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    for (const fs::path& dir : {tmp.path, tmp.path / "fashion-mnist"}) {
      EXPECT_NE(msg.find((fs::absolute(dir) / (stem + ".gz")).string()), std::string::npos) << stem << "\n" << msg;
      EXPECT_NE(msg.find((fs::absolute(dir) / stem).string() + "\n"), std::string::npos) << stem << "\n" << msg;
    }
  }
  EXPECT_EQ(msg.find("train-labels-idx1-ubyte"), std::string::npos) << "the found file is not listed\n" << msg;
  EXPECT_NE(msg.find("zalandoresearch/fashion-mnist"), std::string::npos) << msg;
  EXPECT_NE(msg.find("NAS_DATA_DIR"), std::string::npos) << msg;
}

TEST(DataFiles, DefaultDataDirFollowsNasDataDir) {
  const char* old = std::getenv("NAS_DATA_DIR");
  const std::string saved = old != nullptr ? old : "";
  setenv("NAS_DATA_DIR", "/some/where", 1);
  auto dirs = nas::data::data_dirs("", "mnist");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs[0], fs::path("/some/where/mnist"));
  unsetenv("NAS_DATA_DIR");
  dirs = nas::data::data_dirs("", "mnist");
  EXPECT_EQ(dirs[0], fs::path("data/mnist"));
  dirs = nas::data::data_dirs("/x", "mnist");
  EXPECT_EQ(dirs, (std::vector<fs::path>{"/x", "/x/mnist"}));
  if (old != nullptr) setenv("NAS_DATA_DIR", saved.c_str(), 1);
}

TEST(DataFiles, UncompressedIdxDatasetLoadsWithSplitsAndPlainPixels) {
  TempDir tmp("plain");
  const auto dir = tmp.path / "mnist";  // found through data_dir/<name>
  nas::test::write_file(dir / "train-images-idx3-ubyte", nas::test::idx_images(40, 28, 28));
  nas::test::write_file(dir / "train-labels-idx1-ubyte", nas::test::idx_labels(40));
  nas::test::write_file(dir / "t10k-images.idx3-ubyte", nas::test::idx_images(20, 28, 28));  // dotted mirror name
  nas::test::write_file(dir / "t10k-labels-idx1-ubyte.gz", nas::test::gzip_bytes(nas::test::idx_labels(20)));
  auto data = nas::data::load_idx_dataset(
      nas::data::mnist_spec(), idx_config(tmp.path, {{"normalize", false}, {"valid_fraction", 0.25}}), nullptr);
  EXPECT_EQ(data->info().input_shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(data->size(nas::Split::Train), 30);
  EXPECT_EQ(data->size(nas::Split::Valid), 10);
  EXPECT_EQ(data->size(nas::Split::TrainFull), 40);
  EXPECT_EQ(data->size(nas::Split::Test), 20);
  nas::LoaderOptions opts;
  opts.batch_size = 8;
  opts.shuffle = false;
  auto loader = data->loader(nas::Split::Test, opts);
  auto batch = loader->next();
  ASSERT_TRUE(batch);
  // normalize=false: pixel/255 exactly, labels as written.
  EXPECT_FLOAT_EQ(batch->input[5][0][2][9].item<float>(), static_cast<float>((5 * 7 + 2 * 3 + 9) % 256) / 255.0f);
  EXPECT_EQ(batch->target[5].item<int64_t>(), 5);
}
