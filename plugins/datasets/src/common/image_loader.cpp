#include "common/image_loader.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <ATen/ATen.h>

#include "common/rng.hpp"
#include "nashost/error.hpp"

namespace nas::data {

namespace {
// Salts keep the order stream and the per-batch streams apart.
constexpr uint64_t kOrderSalt = 0x6F72646572ull;  // "order"
constexpr uint64_t kBatchSalt = 0x6261746368ull;  // "batch"
}  // namespace

ImageLoader::ImageLoader(std::shared_ptr<const ImageArrays> data, std::vector<int64_t> indices,
                         ImageTransform transform, LoaderOptions options)
    : data_(std::move(data)), indices_(std::move(indices)), transform_(std::move(transform)), options_(options) {
  if (options_.batch_size <= 0)
    throw ConfigError("loader batch_size must be positive, got " + std::to_string(options_.batch_size));
  if (options_.workers < 0) throw ConfigError("loader workers must be >= 0, got " + std::to_string(options_.workers));
  if (options_.cutout < 0) throw ConfigError("loader cutout must be >= 0, got " + std::to_string(options_.cutout));
  const auto& images = data_->images;
  const int64_t channels = images.size(1);
  if (static_cast<int64_t>(transform_.mean.size()) != channels ||
      static_cast<int64_t>(transform_.std.size()) != channels)
    throw Error("image loader: normalisation needs one mean and std per channel (" + std::to_string(channels) + ")");
  if (images.scalar_type() == at::kByte) {
    lut_.resize(static_cast<size_t>(channels) * 256);
    for (int64_t c = 0; c < channels; ++c)
      for (int v = 0; v < 256; ++v)
        lut_[c * 256 + v] = static_cast<float>((v * transform_.scale - transform_.mean[c]) / transform_.std[c]);
  } else if (images.scalar_type() != at::kFloat) {
    throw Error("image loader: images must be uint8 or float32");
  }
  // Pinned host memory lets the copy to the GPU run asynchronously with the step.
  pinned_ = options_.device.is_cuda();
  window_ = std::max<int64_t>(2, 2 * options_.workers);
}

ImageLoader::~ImageLoader() { stop_workers(); }

int64_t ImageLoader::batches_per_epoch() const {
  const auto n = static_cast<int64_t>(indices_.size());
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

std::vector<int64_t> ImageLoader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order = indices_;
  if (options_.shuffle) {
    Rng rng(mix_seed(options_.seed, kOrderSalt, static_cast<uint64_t>(epoch)));
    rng.shuffle(order);
  }
  return order;
}

Batch ImageLoader::assemble(int64_t epoch, int64_t b) const {
  return assemble_from(epoch_order(epoch), epoch, b, false);
}

Batch ImageLoader::assemble_from(const std::vector<int64_t>& order, int64_t epoch, int64_t b, bool pinned) const {
  const auto& images = data_->images;
  const int64_t C = images.size(1), H = images.size(2), W = images.size(3);
  const int64_t begin = b * options_.batch_size;
  const int64_t end = std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(order.size()));
  const int64_t n = end - begin;

  auto float_opts = at::TensorOptions().dtype(at::kFloat).pinned_memory(pinned);
  at::Tensor input = at::empty({n, C, H, W}, float_opts);
  float* out = input.data_ptr<float>();
  const bool is_byte = images.scalar_type() == at::kByte;
  const uint8_t* src8 = is_byte ? images.const_data_ptr<uint8_t>() : nullptr;
  const float* srcf = is_byte ? nullptr : images.const_data_ptr<float>();
  const int64_t plane = H * W, example = C * plane;

  Rng rng(mix_seed(options_.seed, kBatchSalt, static_cast<uint64_t>(epoch), static_cast<uint64_t>(b)));
  const int64_t pad = options_.augment ? transform_.crop_padding : 0;

  for (int64_t i = 0; i < n; ++i) {
    const int64_t idx = order[begin + i];
    // Random choices for this example, always drawn in the same order.
    int64_t oy = 0, ox = 0;
    bool hflip = false, vflip = false;
    if (options_.augment) {
      if (pad > 0) {
        oy = rng.between(-pad, pad);
        ox = rng.between(-pad, pad);
      }
      if (transform_.hflip) hflip = rng.coin();
      if (transform_.vflip) vflip = rng.coin();
    }
    float* dst = out + i * example;
    for (int64_t c = 0; c < C; ++c) {
      const float* lut = is_byte ? lut_.data() + c * 256 : nullptr;
      const float pad_value = is_byte ? lut[0] : static_cast<float>(-transform_.mean[c] / transform_.std[c]);
      const float mean = static_cast<float>(transform_.mean[c]), inv_std = static_cast<float>(1.0 / transform_.std[c]);
      const float scale = static_cast<float>(transform_.scale);
      for (int64_t y = 0; y < H; ++y) {
        // Crop first (output pixel y reads padded row y+oy+pad), then flip the crop.
        const int64_t sy = (vflip ? H - 1 - y : y) + oy;
        float* row = dst + c * plane + y * W;
        if (sy < 0 || sy >= H) {
          std::fill(row, row + W, pad_value);
          continue;
        }
        const int64_t base = idx * example + c * plane + sy * W;
        for (int64_t x = 0; x < W; ++x) {
          const int64_t sx = (hflip ? W - 1 - x : x) + ox;
          if (sx < 0 || sx >= W) {
            row[x] = pad_value;
          } else if (is_byte) {
            row[x] = lut[src8[base + sx]];
          } else {
            row[x] = (srcf[base + sx] * scale - mean) * inv_std;
          }
        }
      }
    }
    // Cutout after normalisation: centre uniform over all pixels, square clipped at the
    // borders, zero on every channel (DARTS/Cutout reference behaviour).
    if (options_.cutout > 0) {
      const int64_t cy = rng.between(0, H - 1), cx = rng.between(0, W - 1);
      const int64_t half = options_.cutout / 2;
      const int64_t y0 = std::max<int64_t>(0, cy - half), y1 = std::min<int64_t>(H, cy + half + (options_.cutout % 2));
      const int64_t x0 = std::max<int64_t>(0, cx - half), x1 = std::min<int64_t>(W, cx + half + (options_.cutout % 2));
      for (int64_t c = 0; c < C; ++c)
        for (int64_t y = y0; y < y1; ++y) std::fill(dst + c * plane + y * W + x0, dst + c * plane + y * W + x1, 0.0f);
    }
  }

  std::vector<int64_t> picked(order.begin() + begin, order.begin() + end);
  at::Tensor index = at::from_blob(picked.data(), {n}, at::kLong);
  at::Tensor target = data_->targets.index_select(0, index);
  if (pinned) target = target.pin_memory();
  return Batch{std::move(input), std::move(target)};
}

void ImageLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_ = true;
  }
  consumed_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  ready_.clear();
  error_ = nullptr;
  cancel_ = false;
}

void ImageLoader::start_epoch(int64_t epoch) {
  stop_workers();
  epoch_ = epoch;
  order_ = epoch_order(epoch);
  next_batch_ = 0;
  for (int64_t w = 0; w < options_.workers; ++w) threads_.emplace_back([this, w] { worker_loop(w); });
}

void ImageLoader::worker_loop(int64_t worker) {
  const int64_t total = batches_per_epoch();
  for (int64_t b = worker; b < total; b += options_.workers) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      consumed_.wait(lock, [&] { return cancel_ || b < next_batch_ + window_; });
      if (cancel_) return;
    }
    try {
      Batch batch = assemble_from(order_, epoch_, b, pinned_);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(b, std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    produced_.notify_all();
  }
}

std::optional<Batch> ImageLoader::next() {
  if (epoch_ < 0) start_epoch(0);
  if (next_batch_ >= batches_per_epoch()) return std::nullopt;
  Batch batch;
  if (options_.workers == 0) {
    batch = assemble_from(order_, epoch_, next_batch_, pinned_);
    ++next_batch_;
  } else {
    std::unique_lock<std::mutex> lock(mutex_);
    produced_.wait(lock, [&] { return error_ || ready_.count(next_batch_) > 0; });
    if (error_) std::rethrow_exception(error_);
    auto it = ready_.find(next_batch_);
    batch = std::move(it->second);
    ready_.erase(it);
    ++next_batch_;
    lock.unlock();
    consumed_.notify_all();
  }
  if (options_.device.type() != c10::kCPU) {
    batch.input = batch.input.to(options_.device, batch.input.scalar_type(), /*non_blocking=*/true);
    batch.target = batch.target.to(options_.device, batch.target.scalar_type(), /*non_blocking=*/true);
  }
  return batch;
}

}  // namespace nas::data
