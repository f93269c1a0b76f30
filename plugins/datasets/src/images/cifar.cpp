#include "images/cifar.hpp"

#include <cstring>
#include <fstream>

#include <ATen/ATen.h>
#include <spdlog/logger.h>

#include "common/data_files.hpp"
#include "common/download.hpp"
#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {
constexpr int64_t kPixels = 3 * 32 * 32;

OptionList with_label_option(OptionList options) {
  options.push_back(
      {"label", OptionType::String, "fine", "CIFAR-100 label set: \"fine\" (100 classes) or \"coarse\" (20)"});
  return options;
}

// Names from the optional *.txt files next to the binaries (one per line), else numbers.
std::vector<std::string> names_from(const fs::path& file, int64_t count) {
  std::vector<std::string> names;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line != "\r") names.push_back(line.back() == '\r' ? line.substr(0, line.size() - 1) : line);
  if (static_cast<int64_t>(names.size()) == count) return names;
  names.clear();
  for (int64_t k = 0; k < count; ++k) names.push_back(std::to_string(k));
  return names;
}

std::shared_ptr<InMemoryImageDataset> make_cifar(const std::string& name, const Config& cfg, HostContext* ctx,
                                                 const std::vector<fs::path>& train_files, const fs::path& test_file,
                                                 int label_bytes, int label_index, int64_t classes,
                                                 std::vector<double> mean, std::vector<double> std,
                                                 std::vector<std::string> class_names) {
  const SplitOptions split = split_options(cfg);
  ImageArrays train = read_cifar_records(train_files, label_bytes, label_index, classes);
  ImageArrays test = read_cifar_records({test_file}, label_bytes, label_index, classes);
  DatasetInfo info;
  info.name = name;
  info.task = Task::Classification;
  info.input_shape = {3, 32, 32};
  info.num_outputs = classes;
  info.source = test_file.parent_path().string();
  info.class_names = std::move(class_names);
  ImageTransform t;
  const bool normalize = cfg.get_bool("normalize");
  t.mean = normalize ? std::move(mean) : std::vector<double>(3, 0.0);
  t.std = normalize ? std::move(std) : std::vector<double>(3, 1.0);
  t.scale = 1.0 / 255;
  t.crop_padding = 4;  // random crop 32 with 4-px zero padding + horizontal flip (docs/methods.md, DARTS)
  t.hflip = true;
  if (ctx != nullptr)
    ctx->logger(name)->info("{}: {} training + {} test images from {}", name, train.size(), test.size(), info.source);
  return std::make_shared<InMemoryImageDataset>(std::move(info), std::move(train), std::move(test), std::move(t),
                                                split);
}
}  // namespace

OptionList cifar10_options() {
  OptionList options = common_image_options();
  options.push_back(download_option());
  return options;
}
OptionList cifar100_options() { return with_label_option(cifar10_options()); }

ImageArrays read_cifar_records(const std::vector<fs::path>& files, int label_bytes, int label_index,
                               int64_t num_classes) {
  const int64_t record = label_bytes + kPixels;
  std::vector<std::vector<uint8_t>> contents;
  int64_t total = 0;
  for (const auto& file : files) {
    contents.push_back(read_maybe_gzip(file));
    const auto size = static_cast<int64_t>(contents.back().size());
    if (size == 0 || size % record != 0)
      throw DataError("CIFAR binary file " + file.string() + " has " + std::to_string(size) +
                      " bytes, not a whole number of " + std::to_string(record) + "-byte records (" +
                      std::to_string(label_bytes) + " label byte(s) + 3072 pixels); " +
                      (size % (1 + kPixels) == 0 && label_bytes == 2   ? "it looks like a CIFAR-10 file"
                       : size % (2 + kPixels) == 0 && label_bytes == 1 ? "it looks like a CIFAR-100 file"
                                                                       : "it is truncated or not a CIFAR binary file"));
    total += size / record;
  }
  at::Tensor images = at::empty({total, 3, 32, 32}, at::kByte);
  at::Tensor labels = at::empty({total}, at::kLong);
  uint8_t* px = images.data_ptr<uint8_t>();
  int64_t* lab = labels.data_ptr<int64_t>();
  int64_t n = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    const auto& bytes = contents[f];
    const auto count = static_cast<int64_t>(bytes.size()) / record;
    for (int64_t r = 0; r < count; ++r, ++n) {
      const uint8_t* rec = bytes.data() + r * record;
      const int64_t label = rec[label_index];
      if (label >= num_classes)
        throw DataError("CIFAR binary file " + files[f].string() + ": label " + std::to_string(label) +
                        " at byte offset " + std::to_string(r * record + label_index) + " is outside 0.." +
                        std::to_string(num_classes - 1));
      lab[n] = label;
      std::memcpy(px + n * kPixels, rec + label_bytes, kPixels);
    }
  }
  return {images, labels};
}

std::shared_ptr<InMemoryImageDataset> load_cifar10(const Config& cfg, HostContext* ctx) {
  std::vector<FileWanted> wanted;
  for (int b = 1; b <= 5; ++b) {
    const std::string name = "data_batch_" + std::to_string(b) + ".bin";
    wanted.push_back({"training batch " + std::to_string(b), {name}});
  }
  wanted.push_back({"test batch", {"test_batch.bin"}});
  // The unpacked archive (cifar-10-batches-bin/) in the data folder, or a cifar10/ folder.
  auto files = find_or_download("cifar10", cfg, ctx, [&] {
    return find_files("cifar10", catalog_dirs("cifar10", cfg), wanted,
                      "https://www.cs.toronto.edu/~kriz/cifar.html (CIFAR-10 binary version, "
                      "cifar-10-binary.tar.gz; unpack it)");
  });
  const fs::path test = files.back();
  files.pop_back();
  return make_cifar("cifar10", cfg, ctx, files, test, 1, 0, 10, {0.49139968, 0.48215827, 0.44653124},
                    {0.24703233, 0.24348505, 0.26158768},
                    {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"});
}

std::shared_ptr<InMemoryImageDataset> load_cifar100(const Config& cfg, HostContext* ctx) {
  const std::string label = cfg.get_string("label");
  if (label != "fine" && label != "coarse")
    throw ConfigError(cfg.full_key("label") + " must be \"fine\" or \"coarse\", got \"" + label + "\"");
  const bool fine = label == "fine";
  const auto files = find_or_download("cifar100", cfg, ctx, [&] {
    return find_files("cifar100", catalog_dirs("cifar100", cfg),
                      {{"training records", {"train.bin"}}, {"test records", {"test.bin"}}},
                      "https://www.cs.toronto.edu/~kriz/cifar.html (CIFAR-100 binary version, "
                      "cifar-100-binary.tar.gz; unpack it)");
  });
  const int64_t classes = fine ? 100 : 20;
  auto names = names_from(files[0].parent_path() / (fine ? "fine_label_names.txt" : "coarse_label_names.txt"), classes);
  // Record = coarse label, fine label, pixels. Constants from P-DARTS utils.py (docs/methods.md, DARTS).
  return make_cifar("cifar100", cfg, ctx, {files[0]}, files[1], 2, fine ? 1 : 0, classes, {0.5071, 0.4867, 0.4408},
                    {0.2675, 0.2565, 0.2761}, std::move(names));
}

}  // namespace nas::data
