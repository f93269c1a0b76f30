#include "synthetic/synthetic_images.hpp"

#include <cmath>

#include <ATen/ATen.h>
#include <spdlog/logger.h>

#include "common/rng.hpp"
#include "nashost/error.hpp"

namespace nas::data {

OptionList synthetic_image_options() {
  return {
      {"shape", OptionType::IntList, Json::array({1, 28, 28}), "channels, height, width of the images"},
      {"classes", OptionType::Int, 10, "number of classes (>= 2)"},
      {"train_size", OptionType::Int, 2000, "examples in the generated training set"},
      {"test_size", OptionType::Int, 500, "examples in the generated test set"},
      {"noise", OptionType::Float, 0.5, "std of the pixel noise relative to the prototype contrast"},
      {"max_shift", OptionType::Int, 2, "largest random translation of a prototype, in pixels"},
      {"seed", OptionType::Int, 0, "seed of the generator (prototypes and examples)"},
      {"valid_fraction", OptionType::Float, 0.5, "fraction of the training set held out as the valid split"},
      {"split_seed", OptionType::Int, 0, "seed of the shuffle that divides train and valid"},
      {"split_shuffle", OptionType::Bool, true, "shuffle before splitting"},
      {"subset", OptionType::Int, 0, "use only this many training examples (and proportionally fewer test); 0 = all"},
      {"normalize", OptionType::Bool, true, "standardise with the training set's per-channel mean and std"},
  };
}

namespace {

// One array of `n` examples drawn from the class prototypes.
ImageArrays draw(const std::vector<std::vector<float>>& prototypes, int64_t n, int64_t C, int64_t H, int64_t W,
                 double noise, int64_t max_shift, Rng& rng) {
  const auto classes = static_cast<int64_t>(prototypes.size());
  at::Tensor images = at::empty({n, C, H, W}, at::kFloat);
  at::Tensor labels = at::empty({n}, at::kLong);
  float* px = images.data_ptr<float>();
  int64_t* lab = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % classes;  // balanced classes, order shuffled by the loaders
    lab[i] = label;
    const int64_t dy = rng.between(-max_shift, max_shift), dx = rng.between(-max_shift, max_shift);
    const double contrast = 0.75 + 0.5 * rng.uniform();
    const auto& proto = prototypes[label];
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const int64_t sy = ((y + dy) % H + H) % H, sx = ((x + dx) % W + W) % W;  // wrap around
          // Box-Muller normal from two uniforms.
          const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
          const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
          px[((i * C + c) * H + y) * W + x] = static_cast<float>(contrast * proto[(c * H + sy) * W + sx] + noise * z);
        }
  }
  return {images, labels};
}

}  // namespace

std::shared_ptr<InMemoryImageDataset> make_synthetic_images(const Config& cfg, HostContext* ctx) {
  const auto shape = cfg.get_int_list("shape");
  if (shape.size() != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1)
    throw ConfigError(cfg.full_key("shape") + " must be [channels, height, width] with positive entries");
  const int64_t C = shape[0], H = shape[1], W = shape[2];
  const int64_t classes = cfg.get_int("classes");
  if (classes < 2) throw ConfigError(cfg.full_key("classes") + " must be >= 2, got " + std::to_string(classes));
  const int64_t n_train = cfg.get_int("train_size"), n_test = cfg.get_int("test_size");
  if (n_train < 1) throw ConfigError(cfg.full_key("train_size") + " must be >= 1");
  if (n_test < 1) throw ConfigError(cfg.full_key("test_size") + " must be >= 1");
  const double noise = cfg.get_float("noise");
  if (noise < 0) throw ConfigError(cfg.full_key("noise") + " must be >= 0");
  const int64_t max_shift = cfg.get_int("max_shift");
  if (max_shift < 0) throw ConfigError(cfg.full_key("max_shift") + " must be >= 0");
  const auto seed = static_cast<uint64_t>(cfg.get_int("seed"));

  // Prototypes: a coarse grid of N(0,1) values per channel, bilinearly upsampled, so
  // class structure is spatial (convolutions can learn it) rather than per pixel.
  Rng proto_rng(mix_seed(seed, 0x70726F746Full));  // "proto"
  const int64_t gh = std::max<int64_t>(2, H / 7), gw = std::max<int64_t>(2, W / 7);
  std::vector<std::vector<float>> prototypes(static_cast<size_t>(classes));
  for (auto& proto : prototypes) {
    std::vector<double> grid(static_cast<size_t>(C * gh * gw));
    for (auto& g : grid) {
      const double u1 = 1.0 - proto_rng.uniform(), u2 = proto_rng.uniform();
      g = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    proto.resize(static_cast<size_t>(C * H * W));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
          const double fy = H > 1 ? static_cast<double>(y) * (gh - 1) / (H - 1) : 0.0;
          const double fx = W > 1 ? static_cast<double>(x) * (gw - 1) / (W - 1) : 0.0;
          const auto y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
          const int64_t y1 = std::min(y0 + 1, gh - 1), x1 = std::min(x0 + 1, gw - 1);
          const double ty = fy - y0, tx = fx - x0;
          auto at = [&](int64_t yy, int64_t xx) { return grid[(c * gh + yy) * gw + xx]; };
          proto[(c * H + y) * W + x] = static_cast<float>((1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x1)) +
                                                          ty * ((1 - tx) * at(y1, x0) + tx * at(y1, x1)));
        }
  }
  Rng train_rng(mix_seed(seed, 0x747261696Eull)), test_rng(mix_seed(seed, 0x74657374ull));
  ImageArrays train = draw(prototypes, n_train, C, H, W, noise, max_shift, train_rng);
  ImageArrays test = draw(prototypes, n_test, C, H, W, noise, max_shift, test_rng);

  ImageTransform transform;
  transform.scale = 1.0;
  transform.crop_padding = std::max<int64_t>(1, std::min(H, W) / 8);
  transform.hflip = false;
  for (int64_t c = 0; c < C; ++c) {
    at::Tensor channel = train.images.select(1, c);
    const bool normalize = cfg.get_bool("normalize");
    transform.mean.push_back(normalize ? channel.mean().item<double>() : 0.0);
    transform.std.push_back(normalize ? channel.std().item<double>() : 1.0);
  }

  DatasetInfo info;
  info.name = "synthetic-images";
  info.task = Task::Classification;
  info.input_shape = {C, H, W};
  info.num_outputs = classes;
  info.synthetic = true;
  info.source = "synthetic";
  for (int64_t k = 0; k < classes; ++k) info.class_names.push_back("class" + std::to_string(k));
  if (ctx != nullptr)
    ctx->logger("synthetic-images")
        ->warn(
            "SYNTHETIC DATA: synthetic-images generated {} train + {} test images of {}x{}x{} in {} classes "
            "(seed {}); results say nothing about real datasets",
            n_train, n_test, C, H, W, classes, seed);

  const SplitOptions split = split_options(cfg);
  return std::make_shared<InMemoryImageDataset>(std::move(info), std::move(train), std::move(test),
                                                std::move(transform), split);
}

}  // namespace nas::data
