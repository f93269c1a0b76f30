#include "folder/image_folder.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <sstream>
#include <thread>

#include <ATen/ATen.h>
#include <spdlog/logger.h>

#include "common/data_files.hpp"
#include "common/rng.hpp"
#include "folder/image_decode.hpp"
#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {

constexpr const char* kName = "image-folder";

bool is_image_file(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

// `k` of the indices offset..offset+n-1: all of them, the first k, or a seeded random k; sorted.
std::vector<int64_t> pick(int64_t n, int64_t k, bool random, uint64_t seed, uint64_t salt, int64_t offset) {
  std::vector<int64_t> all(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all[static_cast<size_t>(i)] = offset + i;
  if (k >= n) return all;
  if (random) {
    Rng rng(mix_seed(seed, salt));
    rng.shuffle(all);
  }
  all.resize(static_cast<size_t>(k));
  std::sort(all.begin(), all.end());
  return all;
}

// [H, W] from the `size` option: [] (keep the first training image's size), an int, or [H, W].
std::vector<int64_t> size_option(const Config& cfg) {
  const Json& v = cfg.at("size");
  std::vector<int64_t> hw;
  if (v.is_number_integer()) {
    hw = {v.get<int64_t>(), v.get<int64_t>()};
  } else if (v.is_array() && (v.empty() || v.size() == 2) &&
             std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_number_integer(); })) {
    for (const auto& e : v) hw.push_back(e.get<int64_t>());
  } else {
    throw ConfigError(cfg.full_key("size") +
                      " must be an int (square images), [height, width], or [] (the size of "
                      "the first training image), got " +
                      v.dump());
  }
  for (int64_t s : hw)
    if (s < 1 || s > 16384) throw ConfigError(cfg.full_key("size") + " entries must be in 1..16384, got " + v.dump());
  return hw;
}

// Per-channel value: [] = fallback, one value = every channel, else one per channel.
std::vector<double> per_channel(const Config& cfg, const std::string& key, int64_t channels) {
  auto v = cfg.get_float_list(key);
  if (v.size() == 1) v.assign(static_cast<size_t>(channels), v[0]);
  if (!v.empty() && static_cast<int64_t>(v.size()) != channels)
    throw ConfigError(cfg.full_key(key) + " must have 1 or " + std::to_string(channels) +
                      " values (one per channel), got " + std::to_string(v.size()));
  return v;
}

// Population mean and std per channel of uint8 images, on 0–1 values.
void channel_stats(const at::Tensor& images, std::vector<double>& mean, std::vector<double>& std) {
  const int64_t N = images.size(0), C = images.size(1), plane = images.size(2) * images.size(3);
  const uint8_t* px = images.const_data_ptr<uint8_t>();
  mean.assign(static_cast<size_t>(C), 0.0);
  std.assign(static_cast<size_t>(C), 1.0);
  for (int64_t c = 0; c < C; ++c) {
    // Integer histogram: exact sums, no rounding drift over millions of pixels.
    std::vector<int64_t> hist(256, 0);
    for (int64_t i = 0; i < N; ++i) {
      const uint8_t* p = px + (i * C + c) * plane;
      for (int64_t k = 0; k < plane; ++k) ++hist[p[k]];
    }
    double n = 0, s = 0, s2 = 0;
    for (int v = 0; v < 256; ++v) {
      const double x = v / 255.0, h = static_cast<double>(hist[static_cast<size_t>(v)]);
      n += h;
      s += h * x;
      s2 += h * x * x;
    }
    const double m = s / n;
    mean[static_cast<size_t>(c)] = m;
    const double var = std::max(0.0, s2 / n - m * m);
    // A constant channel would divide by zero; leave it unscaled.
    std[static_cast<size_t>(c)] = var > 1e-12 ? std::sqrt(var) : 1.0;
  }
}

}  // namespace

OptionList image_folder_options() {
  OptionList options = {
      {"folder", OptionType::String, "image-folder",
       "sub-folder of $NAS_DATA_DIR (or ./data, or data_dir) that holds train/, test/ and optionally valid/"},
      {"size", OptionType::Any, Json::array(),
       "images are resized to this: an int (square), [height, width], or [] = the first training image's size"},
      {"channels", OptionType::Int, 3, "1 (grey; luminance of colour images) or 3 (RGB; grey images repeated)"},
      {"mean", OptionType::FloatList, Json::array(),
       "normalisation mean on 0-1 pixels, one value or one per channel; [] = computed from the train/ images"},
      {"std", OptionType::FloatList, Json::array(),
       "normalisation std on 0-1 pixels, one value or one per channel; [] = computed from the train/ images"},
      {"crop_padding", OptionType::Int, -1,
       "training augmentation: random crop with this zero padding; -1 = min(height, width) / 8, 0 = no crop"},
      {"hflip", OptionType::Bool, true, "training augmentation: horizontal flip with probability 0.5"},
      {"vflip", OptionType::Bool, false, "training augmentation: vertical flip with probability 0.5"},
      {"decode_threads", OptionType::Int, 0, "threads decoding the files once at load; 0 = min(8, cores)"},
  };
  for (auto& o : common_image_options()) {
    if (o.key == "data_dir")
      o.help =
          "folder with train/, test/ (and valid/); \"\" = $NAS_DATA_DIR/<folder> if NAS_DATA_DIR is set, "
          "else ./data/<folder>";
    if (o.key == "valid_fraction")
      o.help = "fraction of train/ held out as the valid split when there is no valid/ folder (0 <= f < 1)";
    options.insert(options.begin() + (o.key == "data_dir" ? 0 : static_cast<long>(options.size())), o);
  }
  return options;
}

std::vector<std::string> class_folders(const fs::path& split_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(split_dir, ec))
    if (!hidden(entry.path()) && entry.is_directory(ec)) names.push_back(entry.path().filename().string());
  if (ec) throw DataError("cannot list folder " + split_dir.string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

FolderListing list_split_folder(const fs::path& split_dir, const std::vector<std::string>& classes) {
  FolderListing listing;
  for (const auto& name : class_folders(split_dir)) {
    const auto it = std::find(classes.begin(), classes.end(), name);
    if (it == classes.end())
      throw DataError("dataset '" + std::string(kName) + "': class folder " + (split_dir / name).string() +
                      " has no counterpart in the train/ folder (classes: " + std::to_string(classes.size()) +
                      "); every split must use the training classes");
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(split_dir / name, ec)) {
      if (hidden(entry.path()) || !entry.is_regular_file(ec)) continue;
      if (is_image_file(entry.path()))
        files.push_back(entry.path());
      else
        ++listing.skipped;
    }
    if (ec) throw DataError("cannot list folder " + (split_dir / name).string() + ": " + ec.message());
    if (files.empty())
      throw DataError("dataset '" + std::string(kName) + "': class folder " + (split_dir / name).string() +
                      " has no images (.png, .jpg, .jpeg); add images or remove the folder");
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      listing.files.push_back(std::move(f));
      listing.labels.push_back(it - classes.begin());
    }
  }
  return listing;
}

ImageArrays decode_listing(const FolderListing& listing, int channels, int height, int width, int threads) {
  const auto n = static_cast<int64_t>(listing.files.size());
  at::Tensor images = at::empty({n, channels, height, width}, at::kByte);
  at::Tensor labels = at::tensor(listing.labels, at::kLong);
  uint8_t* px = images.data_ptr<uint8_t>();
  const int64_t example = static_cast<int64_t>(channels) * height * width;

  std::atomic<int64_t> next{0};
  std::mutex mutex;
  int64_t first_failed = n, failures = 0;
  std::exception_ptr first_error;
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      try {
        decode_image(listing.files[static_cast<size_t>(i)], channels, height, width, px + i * example);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        ++failures;
        if (i < first_failed) {  // report the first bad file in listing order, whatever the timing
          first_failed = i;
          first_error = std::current_exception();
        }
      }
    }
  };
  const int64_t t = std::clamp<int64_t>(threads, 1, std::max<int64_t>(1, n));
  std::vector<std::thread> pool;
  for (int64_t k = 1; k < t; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (first_error) {
    if (failures == 1) std::rethrow_exception(first_error);
    try {
      std::rethrow_exception(first_error);
    } catch (const DataError& e) {
      throw DataError(std::string(e.what()) + " (" + std::to_string(failures - 1) + " more file(s) failed too)");
    }
  }
  return {images, labels};
}

SplitIndices folder_split(int64_t n_train, int64_t n_valid, int64_t n_test, const SplitOptions& options) {
  const bool trim = options.subset > 0 && options.subset < n_train;
  auto proportional = [&](int64_t n) {
    return trim ? std::clamp<int64_t>(std::llround(static_cast<double>(options.subset) * n / n_train), 1, n) : n;
  };
  SplitIndices s;
  if (n_valid == 0) {
    s = make_split(n_train, n_test, options);
  } else {
    s.train = pick(n_train, trim ? options.subset : n_train, options.split_shuffle, options.split_seed,
                   0x747261696Eull /* "train" */, 0);
    s.valid = pick(n_valid, proportional(n_valid), true, options.split_seed, 0x76616C6964ull /* "valid" */, n_train);
    s.train_full = s.train;
    s.train_full.insert(s.train_full.end(), s.valid.begin(), s.valid.end());
  }
  // The test folder is sorted by class: a subset of it is a seeded random one, never the first classes.
  s.test = pick(n_test, proportional(n_test), true, options.split_seed, 0x74657374ull /* "test" */, 0);
  return s;
}

namespace {

/// The options that say how images become tensors, checked together.
struct DecodeOptions {
  int64_t channels = 3;
  std::vector<int64_t> hw;  ///< empty: the first training image's size
  bool normalize = true;
  std::vector<double> mean, std;  ///< empty: measured on the training images
  int64_t decode_threads = 1;
};

DecodeOptions decode_options(const Config& cfg) {
  DecodeOptions o;
  o.channels = cfg.get_int("channels");
  if (o.channels != 1 && o.channels != 3)
    throw ConfigError(cfg.full_key("channels") + " must be 1 (grey) or 3 (RGB), got " + std::to_string(o.channels));
  o.hw = size_option(cfg);
  o.normalize = cfg.get_bool("normalize");
  o.mean = per_channel(cfg, "mean", o.channels);
  o.std = per_channel(cfg, "std", o.channels);
  if (!o.normalize && (!o.mean.empty() || !o.std.empty()))
    throw ConfigError(cfg.full_key("mean") + "/" + cfg.full_key("std") + " are given but " + cfg.full_key("normalize") +
                      " is false; drop them or set normalize = true");
  for (double s : o.std)
    if (!(s > 0)) throw ConfigError(cfg.full_key("std") + " values must be > 0");
  o.decode_threads = cfg.get_int("decode_threads");
  if (o.decode_threads < 0) throw ConfigError(cfg.full_key("decode_threads") + " must be >= 0 (0 = automatic)");
  if (o.decode_threads == 0)
    o.decode_threads = std::clamp<int64_t>(static_cast<int64_t>(std::thread::hardware_concurrency()), 1, 8);
  return o;
}

/// Where the splits are: the first searched folder with a train/ folder, its test/ and,
/// when there, its valid/ (or val/). DataMissingError lists what was tried.
struct FolderLayout {
  fs::path root, valid_dir;
};

FolderLayout find_layout(const Config& cfg) {
  const auto dirs = data_dirs(cfg.get_string("data_dir"), cfg.get_string("folder"));
  FolderLayout layout;
  std::error_code ec;
  for (const auto& d : dirs)
    if (fs::is_directory(d / "train", ec)) {
      layout.root = d;
      break;
    }
  if (layout.root.empty()) {
    std::ostringstream tried;
    for (const auto& d : dirs) tried << "\n    " << fs::absolute(d / "train").string();
    throw DataMissingError("dataset '" + std::string(kName) +
                           "': split folder 'train' not found; tried:" + tried.str() +
                           "\n  Expected <root>/train/<class>/*.png|jpg, <root>/test/<class>/..., optionally "
                           "<root>/valid/<class>/...; set the dataset option `data_dir` to <root> (or NAS_DATA_DIR to "
                           "the parent of a '" +
                           cfg.get_string("folder") + "' folder).");
  }
  const fs::path& root = layout.root;
  if (!fs::is_directory(root / "test", ec))
    throw DataMissingError("dataset '" + std::string(kName) + "': split folder 'test' not found; tried:\n    " +
                           fs::absolute(root / "test").string() + "\n  (beside " +
                           fs::absolute(root / "train").string() + "); create it with one sub-folder per class");
  for (const char* name : {"valid", "val"})
    if (fs::is_directory(root / name, ec)) {
      layout.valid_dir = root / name;
      break;
    }
  return layout;
}

/// Pixel scaling, normalisation (given, or measured on the first n_train images) and the
/// augmentation options.
ImageTransform make_transform(const Config& cfg, const DecodeOptions& o, const at::Tensor& train_images,
                              int64_t n_train, int C, int H, int W) {
  ImageTransform transform;
  transform.scale = 1.0 / 255;
  if (o.normalize) {
    std::vector<double> m, s;
    if (o.mean.empty() || o.std.empty()) channel_stats(train_images.narrow(0, 0, n_train), m, s);
    transform.mean = o.mean.empty() ? m : o.mean;
    transform.std = o.std.empty() ? s : o.std;
  } else {
    transform.mean.assign(static_cast<size_t>(C), 0.0);
    transform.std.assign(static_cast<size_t>(C), 1.0);
  }
  const int64_t crop_padding = cfg.get_int("crop_padding");
  if (crop_padding < -1) throw ConfigError(cfg.full_key("crop_padding") + " must be >= 0, or -1 (automatic)");
  transform.crop_padding = crop_padding == -1 ? std::min(H, W) / 8 : crop_padding;
  transform.hflip = cfg.get_bool("hflip");
  transform.vflip = cfg.get_bool("vflip");
  return transform;
}

}  // namespace

std::shared_ptr<InMemoryImageDataset> load_image_folder(const Config& cfg, HostContext* ctx) {
  const SplitOptions split = split_options(cfg);
  const DecodeOptions o = decode_options(cfg);
  const FolderLayout layout = find_layout(cfg);
  const fs::path& root = layout.root;
  const fs::path& valid_dir = layout.valid_dir;

  const std::vector<std::string> classes = class_folders(root / "train");
  if (classes.empty())
    throw DataError("dataset '" + std::string(kName) + "': train folder " + (root / "train").string() +
                    " has no class sub-folders; put the images of each class in train/<class>/");
  const FolderListing train_list = list_split_folder(root / "train", classes);
  const FolderListing test_list = list_split_folder(root / "test", classes);
  const FolderListing valid_list = valid_dir.empty() ? FolderListing{} : list_split_folder(valid_dir, classes);
  if (test_list.files.empty())
    throw DataError("dataset '" + std::string(kName) + "': test folder " + (root / "test").string() +
                    " has no class sub-folders with images");
  if (!valid_dir.empty() && valid_list.files.empty())
    throw DataError("dataset '" + std::string(kName) + "': valid folder " + valid_dir.string() +
                    " has no class sub-folders with images; fill it or remove it (then valid_fraction splits train/)");

  std::vector<int64_t> hw = o.hw;
  if (hw.empty()) {
    const ImageSize size = read_image_size(train_list.files.front());
    hw = {size.height, size.width};
  }
  const int H = static_cast<int>(hw[0]), W = static_cast<int>(hw[1]), C = static_cast<int>(o.channels);
  const int threads = static_cast<int>(o.decode_threads);

  const auto start = std::chrono::steady_clock::now();
  ImageArrays train = decode_listing(train_list, C, H, W, threads);
  ImageArrays test = decode_listing(test_list, C, H, W, threads);
  const int64_t n_train = train.size();
  int64_t n_valid = 0;
  if (!valid_dir.empty()) {
    ImageArrays valid = decode_listing(valid_list, C, H, W, threads);
    n_valid = valid.size();
    // One array: train/ images then valid/ images (the split indices say which is which).
    train = {at::cat({train.images, valid.images}), at::cat({train.targets, valid.targets})};
  }
  ImageTransform transform = make_transform(cfg, o, train.images, n_train, C, H, W);

  DatasetInfo info;
  info.name = kName;
  info.task = Task::Classification;
  info.input_shape = {C, H, W};
  info.num_outputs = static_cast<int64_t>(classes.size());
  info.source = root.string();
  info.class_names = classes;

  if (ctx != nullptr) {
    auto log = ctx->logger(kName);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log->info("{}: {} classes, {} train + {} valid + {} test images from {} as {}x{}x{} in {:.2f} s", kName,
              classes.size(), n_train, n_valid, test.size(), root.string(), C, H, W, seconds);
    const int64_t skipped = train_list.skipped + test_list.skipped + valid_list.skipped;
    if (skipped > 0) log->warn("{}: ignored {} file(s) that are not .png/.jpg/.jpeg", kName, skipped);
    if (n_valid == 0 && !split.split_shuffle)
      log->warn("{}: split_shuffle = false takes valid from the end of train/, i.e. from the last classes only", kName);
  }
  SplitIndices indices = folder_split(n_train, n_valid, test.size(), split);
  return std::make_shared<InMemoryImageDataset>(std::move(info), std::move(train), std::move(test),
                                                std::move(transform), std::move(indices));
}

}  // namespace nas::data
