#include "graphene/graphene.hpp"

#include <chrono>
#include <cmath>
#include <optional>

#include <ATen/ATen.h>
#include <spdlog/logger.h>

#include "common/data_files.hpp"
#include "graphene/netcdf_file.hpp"
#include "graphene/sklearn_split.hpp"
#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {

constexpr const char* kSource =
    "the capstone's public copy (S3 bucket capstone2019-google, data/graphene_processed.nc, named in the "
    "capstone2019-neuralsearch/AC297r_2019_NAS README); the raw table is 15grid_shuffled.dat of "
    "phanakata/ML_for_kirigami_design";

}  // namespace

OptionList graphene_options() {
  return {
      {"data_dir", OptionType::String, "",
       "folder with the netCDF file; \"\" = $NAS_DATA_DIR/graphene if NAS_DATA_DIR is set, else ./data/graphene"},
      {"file", OptionType::String, "graphene_processed.nc", "netCDF file name inside the data folder (or a path)"},
      {"image_variable", OptionType::String, "fine_image",
       "netCDF variable with the images: (sample, height, width) or (sample, channel, height, width)"},
      {"target_variable", OptionType::String, "strain",
       "netCDF variable with the regression target, (sample) or (sample, 1); the file also has stress"},
      {"pad_rows", OptionType::Int, 1,
       "zero rows added at the top and at the bottom (capstone: 30x80 -> 32x80, divisible by 4 for DARTS)"},
      {"pad_cols", OptionType::Int, 0, "zero columns added at the left and at the right"},
      {"test_fraction", OptionType::Float, 0.2,
       "sklearn train_test_split test_size: ceil(f*n) rows are the test split"},
      {"test_seed", OptionType::Int, 42, "sklearn train_test_split random_state (numpy RandomState permutation)"},
      {"valid_fraction", OptionType::Float, 0.5,
       "fraction of the training part held out as the valid split (0 <= f < 1); capstone search: half"},
      {"split_seed", OptionType::Int, 0, "seed of the shuffle that divides train and valid (when split_shuffle)"},
      {"split_shuffle", OptionType::Bool, false,
       "shuffle before splitting train/valid; false (capstone) = train is the first part of the already "
       "shuffled training rows, valid the rest"},
      {"subset", OptionType::Int, 0,
       "use only this many training examples (and proportionally fewer test examples); 0 = all"},
      {"normalize", OptionType::Bool, false,
       "standardise pixels with the training part's mean and std (the capstone does not normalise)"},
  };
}

namespace {

/// The image variable's layout: N samples of C×H×W (C = 1 without a channel dimension).
struct ImageLayout {
  int64_t N = 0, C = 1, H = 0, W = 0;
  bool has_channel = false;
};

ImageLayout check_layout(const NetcdfFile::Variable& iv, const NetcdfFile::Variable& tv, const std::string& where) {
  if (iv.shape.size() != 3 && iv.shape.size() != 4)
    throw DataError(where + "image variable " + iv.describe() +
                    " must have the dimensions (sample, height, width) or (sample, channel, height, width)");
  if (!(tv.shape.size() == 1 || (tv.shape.size() == 2 && tv.shape[1] == 1)))
    throw DataError(where + "target variable " + tv.describe() + " must have the dimensions (sample) or (sample, 1)");
  ImageLayout l;
  l.N = static_cast<int64_t>(iv.shape[0]);
  if (static_cast<int64_t>(tv.shape[0]) != l.N)
    throw DataError(where + "image variable " + iv.describe() + " and target variable " + tv.describe() +
                    " have different numbers of samples");
  if (l.N == 0) throw DataError(where + "variable " + iv.describe() + " has no samples");
  l.has_channel = iv.shape.size() == 4;
  l.C = static_cast<int64_t>(l.has_channel ? iv.shape[1] : 1);
  l.H = static_cast<int64_t>(iv.shape[l.has_channel ? 2 : 1]);
  l.W = static_cast<int64_t>(iv.shape[l.has_channel ? 3 : 2]);
  if (l.C < 1 || l.H < 1 || l.W < 1)
    throw DataError(where + "image variable " + iv.describe() + " has an empty dimension");
  return l;
}

/// Where sample i goes: (test?, row).
using Destinations = std::vector<std::pair<bool, int64_t>>;

/// Reads the images once, in file order, chunk by chunk, straight into their padded place in
/// the train and test arrays. uint8 while every value is an integer in 0..255 (the binary
/// cut patterns: 4× less memory); float32 from the first value that is not.
void read_images(NetcdfFile& nc, const NetcdfFile::Variable& iv, const ImageLayout& l, const GrapheneReadOptions& o,
                 const Destinations& dest, at::Tensor (&images)[2], const std::string& where) {
  const int64_t C = l.C, H = l.H, W = l.W, N = l.N;
  const int64_t Hp = images[0].size(2), Wp = images[0].size(3);
  bool as_float = false;
  uint8_t* u8[2] = {images[0].data_ptr<uint8_t>(), images[1].data_ptr<uint8_t>()};
  float* f32[2] = {nullptr, nullptr};
  const std::optional<double> image_fill = nc.fill_value(iv);
  const int64_t example = C * H * W;
  const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 20) / example);  // ≈ 4 MB of floats per read
  std::vector<float> buffer(static_cast<size_t>(std::min(chunk, N) * example));
  for (int64_t s0 = 0; s0 < N; s0 += chunk) {
    const int64_t count = std::min(chunk, N - s0);
    std::vector<size_t> start = {static_cast<size_t>(s0), 0, 0},
                        counts = {static_cast<size_t>(count), static_cast<size_t>(H), static_cast<size_t>(W)};
    if (l.has_channel) {
      start.insert(start.begin() + 1, 0);
      counts.insert(counts.begin() + 1, static_cast<size_t>(C));
    }
    nc.read(iv, start, counts, buffer.data());
    for (int64_t k = 0; k < count; ++k) {
      const int64_t i = s0 + k;
      const auto [is_test, row] = dest[static_cast<size_t>(i)];
      const float* src = buffer.data() + k * example;
      for (int64_t p = 0; p < example; ++p) {
        const float v = src[p];
        if (!std::isfinite(v) || (image_fill && v == static_cast<float>(*image_fill)))
          throw DataError(where + "variable '" + iv.name + "' sample " + std::to_string(i) + " value " +
                          std::to_string(p) + " is " +
                          (std::isfinite(v) ? "the fill value (never written)" : "not finite") +
                          "; the file is incomplete or corrupt");
        if (!as_float && (v != std::floor(v) || v < 0 || v > 255)) {
          as_float = true;
          images[0] = images[0].to(at::kFloat);
          images[1] = images[1].to(at::kFloat);
          f32[0] = images[0].data_ptr<float>();
          f32[1] = images[1].data_ptr<float>();
        }
        const int64_t c = p / (H * W), y = p / W % H, x = p % W;
        const int64_t at = ((row * C + c) * Hp + y + o.pad_rows) * Wp + x + o.pad_cols;
        if (as_float)
          f32[is_test][at] = v;
        else
          u8[is_test][at] = static_cast<uint8_t>(v);
      }
    }
  }
}

/// The targets into their train/test rows; a missing (fill) or non-finite value is an error.
void read_targets(NetcdfFile& nc, const NetcdfFile::Variable& tv, const Destinations& dest, at::Tensor (&targets)[2],
                  const std::string& where) {
  const auto N = static_cast<int64_t>(dest.size());
  std::vector<double> target(static_cast<size_t>(N));
  nc.read(tv, std::vector<size_t>(tv.shape.size(), 0), tv.shape, target.data());
  const std::optional<double> target_fill = nc.fill_value(tv);
  for (int64_t i = 0; i < N; ++i) {
    const double v = target[static_cast<size_t>(i)];
    if (!std::isfinite(v) || (target_fill && v == *target_fill))
      throw DataError(where + "variable '" + tv.name + "' sample " + std::to_string(i) + " is " +
                      (std::isfinite(v) ? "the fill value (never written)" : "not finite") +
                      "; the file is incomplete or corrupt");
    const auto [is_test, row] = dest[static_cast<size_t>(i)];
    targets[is_test].data_ptr<float>()[row] = static_cast<float>(v);
  }
}

}  // namespace

GrapheneArrays read_graphene(const fs::path& file, const GrapheneReadOptions& o) {
  NetcdfFile nc(file);
  const auto iv = nc.variable(o.image_variable, "image_variable");
  const auto tv = nc.variable(o.target_variable, "target_variable");
  const std::string where = "netCDF file " + file.string() + ": ";
  const ImageLayout l = check_layout(iv, tv, where);
  const int64_t Hp = l.H + 2 * o.pad_rows, Wp = l.W + 2 * o.pad_cols;

  const TrainTestIndices split = sklearn_train_test_split(l.N, o.test_fraction, o.test_seed);
  Destinations dest(static_cast<size_t>(l.N));
  for (size_t r = 0; r < split.train.size(); ++r)
    dest[static_cast<size_t>(split.train[r])] = {false, static_cast<int64_t>(r)};
  for (size_t r = 0; r < split.test.size(); ++r)
    dest[static_cast<size_t>(split.test[r])] = {true, static_cast<int64_t>(r)};
  const auto n_train = static_cast<int64_t>(split.train.size()), n_test = static_cast<int64_t>(split.test.size());

  at::Tensor images[2] = {at::zeros({n_train, l.C, Hp, Wp}, at::kByte), at::zeros({n_test, l.C, Hp, Wp}, at::kByte)};
  read_images(nc, iv, l, o, dest, images, where);
  at::Tensor targets[2] = {at::empty({n_train, 1}, at::kFloat), at::empty({n_test, 1}, at::kFloat)};
  read_targets(nc, tv, dest, targets, where);
  return {{images[0], targets[0]}, {images[1], targets[1]}};
}

std::shared_ptr<InMemoryImageDataset> load_graphene(const Config& cfg, HostContext* ctx) {
  const SplitOptions split = split_options(cfg);
  GrapheneReadOptions o;
  o.image_variable = cfg.get_string("image_variable");
  o.target_variable = cfg.get_string("target_variable");
  o.pad_rows = cfg.get_int("pad_rows");
  o.pad_cols = cfg.get_int("pad_cols");
  if (o.pad_rows < 0 || o.pad_rows > 1024) throw ConfigError(cfg.full_key("pad_rows") + " must be in 0..1024");
  if (o.pad_cols < 0 || o.pad_cols > 1024) throw ConfigError(cfg.full_key("pad_cols") + " must be in 0..1024");
  o.test_fraction = cfg.get_float("test_fraction");
  if (!(o.test_fraction > 0.0 && o.test_fraction < 1.0))
    throw ConfigError(cfg.full_key("test_fraction") + " must be in (0, 1), got " + std::to_string(o.test_fraction));
  const int64_t test_seed = cfg.get_int("test_seed");
  if (test_seed < 0 || test_seed > int64_t{0xFFFFFFFF})
    throw ConfigError(cfg.full_key("test_seed") + " must be in 0..2^32-1 (a numpy RandomState seed)");
  o.test_seed = static_cast<uint32_t>(test_seed);

  const auto files = find_files("graphene", data_dirs(cfg.get_string("data_dir"), "graphene"),
                                {{"netCDF file (fine_image, strain, ...)", {cfg.get_string("file")}}}, kSource);
  const auto start = std::chrono::steady_clock::now();
  GrapheneArrays arrays = read_graphene(files[0], o);

  const int64_t C = arrays.train.images.size(1), Hp = arrays.train.images.size(2), Wp = arrays.train.images.size(3);
  ImageTransform transform;
  transform.scale = 1.0;  // values as stored (0 = cut, 1 = material)
  transform.mean.assign(static_cast<size_t>(C), 0.0);
  transform.std.assign(static_cast<size_t>(C), 1.0);
  if (cfg.get_bool("normalize")) {
    // Statistics of the real pixels of the training part (padding excluded).
    at::Tensor inner = arrays.train.images.narrow(2, o.pad_rows, Hp - 2 * o.pad_rows)
                           .narrow(3, o.pad_cols, Wp - 2 * o.pad_cols)
                           .to(at::kDouble);
    for (int64_t c = 0; c < C; ++c) {
      at::Tensor ch = inner.select(1, c);
      transform.mean[static_cast<size_t>(c)] = ch.mean().item<double>();
      const double s = ch.std(/*unbiased=*/false).item<double>();
      transform.std[static_cast<size_t>(c)] = s > 1e-12 ? s : 1.0;
    }
  }
  // No augmentation (capstone): crop_padding 0, no flips. Cutout still applies if a trainer asks.

  DatasetInfo info;
  info.name = "graphene";
  info.task = Task::Regression;
  info.input_shape = {C, Hp, Wp};
  info.num_outputs = 1;
  info.source = files[0].string();

  if (ctx != nullptr) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ctx->logger("graphene")
        ->info(
            "graphene: {} train + {} test samples (sklearn split test_size {}, random_state {}) from {}, images "
            "{}x{}x{} (padded by {} rows, {} cols), target '{}', in {:.2f} s",
            arrays.train.size(), arrays.test.size(), o.test_fraction, o.test_seed, info.source, C, Hp, Wp, o.pad_rows,
            o.pad_cols, o.target_variable, seconds);
  }
  return std::make_shared<InMemoryImageDataset>(std::move(info), std::move(arrays.train), std::move(arrays.test),
                                                std::move(transform), split);
}

}  // namespace nas::data
