// image-folder: PNG/JPEG class folders decoded with libpng / libjpeg-turbo; layout, resizing, channels,
// normalisation, the split rules and every error a user can hit (files written here with
// stb_image_write).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <stb_image_write.h>

#include "folder/image_decode.hpp"
#include "folder/image_folder.hpp"
#include "nashost/error.hpp"
#include "nashost/support/standalone_context.hpp"
#include "plugin_loading.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;
using nas::Split;
using nas::data::load_image_folder;

namespace {

// Pixel (y, x, c) of image `id`: distinct per image, channel and position.
uint8_t pixel(int id, int y, int x, int c) { return static_cast<uint8_t>((id * 37 + y * 11 + x * 5 + c * 70) % 256); }

std::vector<uint8_t> pattern(int id, int h, int w, int comp) {
  std::vector<uint8_t> hwc(static_cast<size_t>(h * w * comp));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < comp; ++c) hwc[static_cast<size_t>((y * w + x) * comp + c)] = pixel(id, y, x, c);
  return hwc;
}

void write_png(const fs::path& file, const std::vector<uint8_t>& hwc, int h, int w, int comp) {
  fs::create_directories(file.parent_path());
  ASSERT_NE(stbi_write_png(file.c_str(), w, h, comp, hwc.data(), w * comp), 0) << file;
}

void write_png(const fs::path& file, int id, int h = 6, int w = 8, int comp = 3) {
  write_png(file, pattern(id, h, w, comp), h, w, comp);
}

void write_solid(const fs::path& file, int h, int w, uint8_t r, uint8_t g, uint8_t b, bool jpeg = false) {
  std::vector<uint8_t> hwc;
  for (int k = 0; k < h * w; ++k) hwc.insert(hwc.end(), {r, g, b});
  fs::create_directories(file.parent_path());
  if (jpeg)
    ASSERT_NE(stbi_write_jpg(file.c_str(), w, h, 3, hwc.data(), 100), 0);
  else
    ASSERT_NE(stbi_write_png(file.c_str(), w, h, 3, hwc.data(), w * 3), 0);
}

nas::Config options(const nas::Json& values) {
  return nas::Config::validated(values, nas::data::image_folder_options(), "image-folder");
}

std::string error_of(const nas::Json& values) {
  try {
    load_image_folder(options(values), nullptr);
  } catch (const nas::DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

// train: ant (2 images), bee (3), cat (1); test: ant, cat. Class order = sorted names.
void make_tree(const fs::path& root) {
  write_png(root / "train/cat/c0.png", 5);
  write_png(root / "train/ant/a1.png", 1);
  write_png(root / "train/ant/a0.png", 0);
  write_png(root / "train/bee/b2.png", 4);
  write_png(root / "train/bee/b0.png", 2);
  write_png(root / "train/bee/b1.png", 3);
  write_png(root / "test/ant/t0.png", 10);
  write_png(root / "test/cat/t1.png", 11);
}

}  // namespace

TEST(ImageFolder, DecodesClassFoldersInSortedOrderWithExactPixels) {
  nas::test::TempDir tmp("folder");
  make_tree(tmp.path);
  nas::test::write_file(tmp.path / "train/ant/notes.txt", {'h', 'i'});  // ignored (not an image)
  auto d = load_image_folder(options({{"data_dir", tmp.path.string()}, {"normalize", false}}), nullptr);
  const auto& info = d->info();
  EXPECT_EQ(info.name, "image-folder");
  EXPECT_EQ(info.task, nas::Task::Classification);
  EXPECT_EQ(info.class_names, (std::vector<std::string>{"ant", "bee", "cat"}));
  EXPECT_EQ(info.num_outputs, 3);
  EXPECT_EQ(info.input_shape, (std::vector<int64_t>{3, 6, 8}));  // size [] = the first training image's
  EXPECT_FALSE(info.synthetic);
  EXPECT_EQ(d->size(Split::TrainFull), 6);
  EXPECT_EQ(d->size(Split::Train), 3);  // floor(0.5 * 6)
  EXPECT_EQ(d->size(Split::Valid), 3);
  EXPECT_EQ(d->size(Split::Test), 2);

  // Train array order: class, then file name: a0 a1 b0 b1 b2 c0 = pattern ids 0 1 2 3 4 5.
  const auto& arrays = d->train_arrays();
  EXPECT_EQ(arrays.images.scalar_type(), at::kByte);
  EXPECT_TRUE(at::equal(arrays.targets, at::tensor(std::vector<int64_t>{0, 0, 1, 1, 1, 2})));
  const nas::Batch all = nas::test::whole_split(*d, Split::TrainFull);
  ASSERT_EQ(all.input.sizes(), (std::vector<int64_t>{6, 3, 6, 8}));
  auto in = all.input.accessor<float, 4>();
  for (int id = 0; id < 6; ++id)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 8; ++x)
          ASSERT_FLOAT_EQ(in[id][c][y][x], pixel(id, y, x, c) / 255.0f) << id << " " << c << " " << y << " " << x;
  const nas::Batch test = nas::test::whole_split(*d, Split::Test);
  EXPECT_TRUE(at::equal(test.target, at::tensor(std::vector<int64_t>{0, 2})));
  EXPECT_FLOAT_EQ(test.input[1][2][3][4].item<float>(), pixel(11, 3, 4, 2) / 255.0f);
}

TEST(ImageFolder, ResizesMixedSizesAndConvertsChannels) {
  nas::test::TempDir tmp("folder-resize");
  // Solid colours survive any resampling filter (weights sum to 1): exact values to ±1.
  write_solid(tmp.path / "train/a/big.png", 16, 12, 200, 100, 50);
  write_solid(tmp.path / "train/b/small.jpg", 3, 5, 10, 220, 130, /*jpeg=*/true);
  write_png(tmp.path / "train/b/grey.png", std::vector<uint8_t>(7 * 9, 77), 7, 9, 1);
  write_solid(tmp.path / "test/a/x.png", 4, 4, 1, 2, 3);

  auto rgb =
      load_image_folder(options({{"data_dir", tmp.path.string()}, {"size", {4, 6}}, {"normalize", false}}), nullptr);
  EXPECT_EQ(rgb->info().input_shape, (std::vector<int64_t>{3, 4, 6}));
  const auto& px = rgb->train_arrays().images;  // a/big, b/grey, b/small
  ASSERT_EQ(px.sizes(), (std::vector<int64_t>{3, 3, 4, 6}));
  auto near = [](const at::Tensor& t, int v, int tol) { return (t.to(at::kInt) - v).abs().max().item<int>() <= tol; };
  EXPECT_TRUE(near(px[0][0], 200, 1) && near(px[0][1], 100, 1) && near(px[0][2], 50, 1));
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(near(px[1][c], 77, 1)) << "grey repeated on channel " << c;
  // JPEG at quality 100: lossy, but a solid colour stays within a few levels.
  EXPECT_TRUE(near(px[2][0], 10, 4) && near(px[2][1], 220, 4) && near(px[2][2], 130, 4));

  auto grey = load_image_folder(
      options({{"data_dir", tmp.path.string()}, {"size", 5}, {"channels", 1}, {"normalize", false}}), nullptr);
  EXPECT_EQ(grey->info().input_shape, (std::vector<int64_t>{1, 5, 5}));
  // stb's luminance: (77 r + 150 g + 29 b) >> 8.
  EXPECT_TRUE(near(grey->train_arrays().images[0][0], (77 * 200 + 150 * 100 + 29 * 50) >> 8, 1));
  EXPECT_TRUE(near(grey->train_arrays().images[1][0], 77, 1));

  for (const nas::Json& bad : {nas::Json("big"), nas::Json({4, 5, 6}), nas::Json({0, 4}), nas::Json(-3)})
    EXPECT_THROW(load_image_folder(options({{"data_dir", tmp.path.string()}, {"size", bad}}), nullptr),
                 nas::ConfigError)
        << bad.dump();
  EXPECT_THROW(load_image_folder(options({{"data_dir", tmp.path.string()}, {"channels", 2}}), nullptr),
               nas::ConfigError);
}

TEST(ImageFolder, NormalisationAndAugmentationOptions) {
  nas::test::TempDir tmp("folder-norm");
  make_tree(tmp.path);
  // Default: the train/ folder's own per-channel statistics → mean 0, std 1 over train_full.
  auto d = load_image_folder(options({{"data_dir", tmp.path.string()}}), nullptr);
  const at::Tensor x = nas::test::whole_split(*d, Split::TrainFull).input.to(at::kDouble);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(x.select(1, c).mean().item<double>(), 0.0, 1e-5);
    EXPECT_NEAR(x.select(1, c).std(/*unbiased=*/false).item<double>(), 1.0, 1e-5);
  }
  EXPECT_EQ(d->transform().crop_padding, 6 / 8);  // -1 = min(H, W) / 8
  EXPECT_TRUE(d->transform().hflip);
  EXPECT_FALSE(d->transform().vflip);

  auto fixed = load_image_folder(options({{"data_dir", tmp.path.string()},
                                          {"mean", {0.5}},
                                          {"std", {0.25}},
                                          {"crop_padding", 2},
                                          {"hflip", false},
                                          {"vflip", true}}),
                                 nullptr);
  const nas::Batch b = nas::test::whole_split(*fixed, Split::TrainFull);
  EXPECT_NEAR(b.input[0][1][2][3].item<float>(), (pixel(0, 2, 3, 1) / 255.0 - 0.5) / 0.25, 1e-5);
  EXPECT_EQ(fixed->transform().crop_padding, 2);
  EXPECT_TRUE(fixed->transform().vflip);
  EXPECT_FALSE(fixed->transform().hflip);

  // Augmented batches: deterministic for any number of workers, and not the plain batch.
  nas::LoaderOptions lo;
  lo.batch_size = 4;
  lo.augment = true;
  lo.cutout = 2;
  lo.seed = 3;
  lo.workers = 0;
  auto l0 = fixed->loader(Split::Train, lo);
  lo.workers = 2;
  auto l2 = fixed->loader(Split::Train, lo);
  const auto a = l0->next(), c = l2->next();
  EXPECT_TRUE(at::equal(a->input, c->input));

  EXPECT_THROW(load_image_folder(options({{"data_dir", tmp.path.string()}, {"mean", {0.1, 0.2}}}), nullptr),
               nas::ConfigError);  // 3 channels
  EXPECT_THROW(load_image_folder(options({{"data_dir", tmp.path.string()}, {"std", {0.0}}}), nullptr),
               nas::ConfigError);
  EXPECT_THROW(
      load_image_folder(options({{"data_dir", tmp.path.string()}, {"normalize", false}, {"mean", {0.5}}}), nullptr),
      nas::ConfigError);
}

TEST(ImageFolder, ValidFolderIsTheValidSplitAndSubsetTrimsEverySplit) {
  nas::test::TempDir tmp("folder-valid");
  make_tree(tmp.path);
  write_png(tmp.path / "valid/cat/v0.png", 20);
  write_png(tmp.path / "valid/bee/v1.png", 21);
  auto d = load_image_folder(options({{"data_dir", tmp.path.string()}, {"normalize", false}}), nullptr);
  EXPECT_EQ(d->size(Split::Train), 6);  // valid_fraction not used
  EXPECT_EQ(d->size(Split::Valid), 2);
  EXPECT_EQ(d->size(Split::TrainFull), 8);
  const nas::Batch v = nas::test::whole_split(*d, Split::Valid);
  EXPECT_TRUE(at::equal(v.target, at::tensor(std::vector<int64_t>{1, 2})));  // bee/v1, cat/v0
  EXPECT_FLOAT_EQ(v.input[0][0][1][1].item<float>(), pixel(21, 1, 1, 0) / 255.0f);

  // subset 3 of 6 train images: valid and test proportionally (round(3·2/6) = 1), seeded.
  auto s = load_image_folder(options({{"data_dir", tmp.path.string()}, {"subset", 3}, {"split_seed", 5}}), nullptr);
  EXPECT_EQ(s->size(Split::Train), 3);
  EXPECT_EQ(s->size(Split::Valid), 1);
  EXPECT_EQ(s->size(Split::Test), 1);
  auto s2 = load_image_folder(options({{"data_dir", tmp.path.string()}, {"subset", 3}, {"split_seed", 5}}), nullptr);
  EXPECT_EQ(s->indices(Split::Train), s2->indices(Split::Train));

  // Without valid/: the fraction rule of the other image sets; "val/" is accepted as valid/.
  fs::rename(tmp.path / "valid", tmp.path / "val");
  auto val = load_image_folder(options({{"data_dir", tmp.path.string()}}), nullptr);
  EXPECT_EQ(val->size(Split::Valid), 2);
}

TEST(ImageFolder, ErrorsNameTheFolderOrFileAndTheReason) {
  nas::test::TempDir tmp("folder-errors");
  // No train/: every path tried is listed.
  std::string msg = error_of({{"data_dir", tmp.path.string()}});
  EXPECT_NE(msg.find("split folder 'train' not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find((tmp.path / "train").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find((tmp.path / "image-folder" / "train").string()), std::string::npos) << msg;

  make_tree(tmp.path / "image-folder");  // found through data_dir/<folder>
  EXPECT_EQ(load_image_folder(options({{"data_dir", tmp.path.string()}}), nullptr)->size(Split::TrainFull), 6);
  const fs::path root = tmp.path / "image-folder";

  fs::rename(root / "test", root / "tests");
  msg = error_of({{"data_dir", root.string()}});
  EXPECT_NE(msg.find("split folder 'test' not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find((root / "test").string()), std::string::npos) << msg;
  fs::rename(root / "tests", root / "test");

  fs::create_directories(root / "train" / "dog");
  nas::test::write_file(root / "train/dog/readme.txt", {'x'});
  msg = error_of({{"data_dir", root.string()}});
  EXPECT_NE(msg.find("class folder " + (root / "train" / "dog").string() + " has no images"), std::string::npos) << msg;
  ::remove((root / "train/dog/readme.txt").c_str());
  ::remove((root / "train/dog").c_str());

  // A PNG signature followed by garbage, and text named .jpg: file and the decoder's reason.
  const std::vector<uint8_t> corrupt = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,
                                        0,    0,   13,  'X', 'X',  'X',  'X',  1,    2};
  nas::test::write_file(root / "train/bee/b3.png", corrupt);
  msg = error_of({{"data_dir", root.string()}});
  EXPECT_NE(msg.find("cannot decode image " + (root / "train/bee/b3.png").string() + ": "), std::string::npos) << msg;
  EXPECT_EQ(msg.find("damaged PNG data"), std::string::npos) << msg;  // libpng's own reason
  nas::test::write_file(root / "test/cat/t2.jpg", {'n', 'o', 't', ' ', 'a', ' ', 'j', 'p', 'e', 'g'});
  msg = error_of({{"data_dir", root.string()}, {"decode_threads", 3}});
  EXPECT_NE(msg.find("cannot decode image " + (root / "train/bee/b3.png").string()), std::string::npos) << msg;
  ::remove((root / "train/bee/b3.png").c_str());
  msg = error_of({{"data_dir", root.string()}});
  EXPECT_NE(msg.find("cannot decode image " + (root / "test/cat/t2.jpg").string() + ": "), std::string::npos) << msg;
  ::remove((root / "test/cat/t2.jpg").c_str());

  // A test class that train/ does not have.
  write_png(root / "test/zebra/z.png", 9);
  msg = error_of({{"data_dir", root.string()}});
  EXPECT_NE(msg.find((root / "test" / "zebra").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("no counterpart in the train/ folder"), std::string::npos) << msg;
}

// Found by fuzzing (tests/fuzz/findings/fuzz_image): JPEGs that made stb_image write out of
// bounds (a Huffman table of more than 256 codes, and layouts its marker walk got wrong) and a
// PNG that led it into undefined behaviour; and a 626-byte JPEG claiming 23 megapixels that
// libjpeg filled in for 20 s. libjpeg-turbo and libpng decode now, and a JPEG whose data ends
// early is refused: each file is refused, naming it, at once; nothing crashes (the sanitizer
// build runs this test too).
TEST(ImageFolder, ImagesThatBrokeStbAreRefused) {
  const fs::path dir = fs::path(NASHOST_SOURCE_DIR) / "tests/fuzz/findings/fuzz_image";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path file = entry.path();
    ++seen;
    std::vector<uint8_t> out(3 * 8 * 8);
    try {
      nas::data::read_image_size(file);
      nas::data::decode_image(file, 3, 8, 8, out.data());
      nas::data::decode_image(file, 1, 8, 8, out.data());
      FAIL() << file << " accepted";
    } catch (const nas::DataError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("cannot decode image " + file.string() + ": "), std::string::npos) << msg;
    }
  }
  EXPECT_GE(seen, 10);
}

// A JPEG cut short is refused (libjpeg would fill the missing rows with grey); a BMP, which
// the former decoder (stb_image) read, is not a supported format.
TEST(ImageFolder, TruncatedJpegAndOtherFormatsAreRefused) {
  nas::test::TempDir tmp("folder-truncated");
  write_solid(tmp.path / "whole.jpg", 16, 16, 10, 220, 130, /*jpeg=*/true);
  std::ifstream in(tmp.path / "whole.jpg", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 200u);
  std::vector<uint8_t> out(3 * 16 * 16);
  nas::data::decode_image(tmp.path / "whole.jpg", 3, 16, 16, out.data());  // the whole file decodes
  bytes.resize(bytes.size() - 40);
  nas::test::write_file(tmp.path / "cut.jpg", bytes);
  try {
    nas::data::decode_image(tmp.path / "cut.jpg", 3, 16, 16, out.data());
    FAIL() << "a truncated JPEG was accepted";
  } catch (const nas::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("Premature end of JPEG file"), std::string::npos) << e.what();
  }
  nas::test::write_file(tmp.path / "x.bmp", {'B', 'M', 0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0});
  try {
    nas::data::read_image_size(tmp.path / "x.bmp");
    FAIL() << "a BMP was accepted";
  } catch (const nas::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("not a PNG or JPEG file"), std::string::npos) << e.what();
  }
}

TEST(DatasetPlugins, ImageFolderPluginBuildsTheDataset) {
  auto l = nas::test::load_plugin("nashost_dataset_image_folder.so");
  ASSERT_EQ(l->registrar.datasets.count("image-folder"), 1u);
  std::set<std::string> keys;
  for (const auto& o : l->registrar.datasets.at("image-folder").first.options) keys.insert(o.key);
  for (const char* k : {"data_dir", "valid_fraction", "split_seed", "split_shuffle", "subset", "normalize", "size",
                        "channels", "mean", "std", "crop_padding", "hflip"})
    EXPECT_EQ(keys.count(k), 1u) << "lacks option " << k;
  nas::StandaloneContext ctx(NASHOST_BINARY_DIR);
  nas::test::TempDir tmp("folder-plugin");
  make_tree(tmp.path);
  auto d = nas::test::build_dataset(*l, "image-folder", {{"data_dir", tmp.path.string()}, {"size", {4, 4}}}, ctx);
  EXPECT_EQ(d->info().input_shape, (std::vector<int64_t>{3, 4, 4}));
  EXPECT_EQ(d->size(Split::Test), 2);
  EXPECT_THROW(nas::test::build_dataset(*l, "image-folder", {{"data_dir", "/nonexistent"}}, ctx), nas::DataError);
}
