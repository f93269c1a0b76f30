#include "images/mnist.hpp"

#include <chrono>
#include <future>

#include <spdlog/logger.h>

#include "common/data_files.hpp"
#include "common/download.hpp"
#include "images/idx.hpp"
#include "nashost/error.hpp"

namespace nas::data {

const IdxDatasetSpec& mnist_spec() {
  static const IdxDatasetSpec spec{
      "mnist",
      "mnist",
      "http://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/)",
      // pt.darts' constants (docs/methods.md, DARTS), i.e. the pixel statistics of the 60k training images.
      0.13066051707548254,
      0.30810780244715075,
      /*hflip=*/false,  // a mirrored digit is a different (or no) digit
      {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}};
  return spec;
}

const IdxDatasetSpec& fashion_mnist_spec() {
  static const IdxDatasetSpec spec{
      "fashion-mnist",
      "fashion-mnist",
      "https://github.com/zalandoresearch/fashion-mnist (data/fashion/*.gz)",
      // pt.darts' constants (docs/methods.md, DARTS). The capstone fork used 0–255 constants on 0–1
      // tensors (a bug, docs/methods.md, DARTS); not copied.
      0.28604063146254594,
      0.35302426207299326,
      /*hflip=*/true,  // clothes are left/right symmetric
      {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}};
  return spec;
}

OptionList idx_dataset_options() {
  OptionList options = common_image_options();
  options.push_back(download_option());
  return options;
}

std::shared_ptr<InMemoryImageDataset> load_idx_dataset(const IdxDatasetSpec& spec, const Config& cfg,
                                                       HostContext* ctx) {
  const SplitOptions split = split_options(cfg);
  const auto dirs = catalog_dirs(spec.name, cfg);  // also torchvision's <root>/FashionMNIST/raw, MNIST/raw
  auto names = [](const std::string& stem) {
    // Official .gz names, their inflated forms, and the dotted spelling some mirrors use.
    std::string dotted = stem;
    dotted[dotted.find("-idx")] = '.';
    return std::vector<std::string>{stem + ".gz", stem, dotted + ".gz", dotted};
  };
  const auto files = find_or_download(spec.name, cfg, ctx, [&] {
    return find_files(spec.name, dirs,
                      {{"training images", names("train-images-idx3-ubyte")},
                       {"training labels", names("train-labels-idx1-ubyte")},
                       {"test images", names("t10k-images-idx3-ubyte")},
                       {"test labels", names("t10k-labels-idx1-ubyte")}},
                      spec.source);
  });
  const auto start = std::chrono::steady_clock::now();
  // The two halves decode independently; the training images dominate.
  auto train_future = std::async(std::launch::async, [&] { return load_idx_pair(files[0], files[1], 10); });
  IdxPair test = load_idx_pair(files[2], files[3], 10);
  IdxPair train = train_future.get();
  if (train.images.sizes().slice(1) != test.images.sizes().slice(1))
    throw DataError("dataset '" + spec.name + "': training images (" + files[0].string() + ") and test images (" +
                    files[2].string() + ") have different sizes");

  DatasetInfo info;
  info.name = spec.name;
  info.task = Task::Classification;
  info.input_shape = {1, train.images.size(2), train.images.size(3)};
  info.num_outputs = 10;
  info.source = files[0].parent_path().string();
  info.class_names = spec.class_names;

  ImageTransform transform;
  const bool normalize = cfg.get_bool("normalize");
  transform.mean = {normalize ? spec.mean : 0.0};
  transform.std = {normalize ? spec.std : 1.0};
  transform.scale = 1.0 / 255;
  transform.crop_padding = 4;
  transform.hflip = spec.hflip;

  if (ctx != nullptr) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ctx->logger(spec.name)->info("{}: {} training + {} test images from {} in {:.2f} s", spec.name,
                                 train.images.size(0), test.images.size(0), info.source, seconds);
  }
  return std::make_shared<InMemoryImageDataset>(std::move(info), ImageArrays{train.images, train.labels},
                                                ImageArrays{test.images, test.labels}, std::move(transform), split);
}

}  // namespace nas::data
