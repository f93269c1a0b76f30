#pragma once
// The batch loader shared by every in-memory image dataset.
//
// The decoded images live once in memory (uint8 or float, N×C×H×W). A loader owns a list
// of example indices (its split) and assembles batches on background threads into a
// bounded reorder window, so the next batches are ready before the training step asks.
// Determinism: the order of epoch e comes from (seed, e) and every random choice inside
// batch b (crop offset, flip, cutout centre) from (seed, e, b); threads only decide *when*
// a batch is built, never *what* it holds.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/dataset.hpp"

namespace nas::data {

/// Decoded examples. images: N×C×H×W uint8 or float32, contiguous, CPU.
/// targets: N int64 (classes) or N×1 float32 (regression).
struct ImageArrays {
  at::Tensor images;
  at::Tensor targets;
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
};

/// How raw values become network inputs, and the dataset's training augmentation.
struct ImageTransform {
  std::vector<double> mean;  ///< per channel, in the units after `scale`
  std::vector<double> std;   ///< per channel
  double scale = 1.0 / 255;  ///< raw value × scale before normalising (1 for float data)
  // Training augmentation (LoaderOptions::augment): zero-padded random crop and flips.
  int64_t crop_padding = 0;
  bool hflip = false;
  bool vflip = false;
};

class ImageLoader final : public BatchLoader {
 public:
  ImageLoader(std::shared_ptr<const ImageArrays> data, std::vector<int64_t> indices, ImageTransform transform,
              LoaderOptions options);
  ~ImageLoader() override;
  ImageLoader(const ImageLoader&) = delete;
  ImageLoader& operator=(const ImageLoader&) = delete;

  int64_t batches_per_epoch() const override;
  void start_epoch(int64_t epoch) override;
  std::optional<Batch> next() override;

  /// Batch `b` of epoch `epoch`, on the CPU, built on the calling thread (tests, tools).
  Batch assemble(int64_t epoch, int64_t b) const;
  /// The example order of an epoch (indices into the decoded arrays).
  std::vector<int64_t> epoch_order(int64_t epoch) const;

 private:
  Batch assemble_from(const std::vector<int64_t>& order, int64_t epoch, int64_t b, bool pinned) const;
  void stop_workers();
  void worker_loop(int64_t worker);

  std::shared_ptr<const ImageArrays> data_;
  std::vector<int64_t> indices_;
  ImageTransform transform_;
  LoaderOptions options_;
  std::vector<float> lut_;  ///< uint8 data: C×256 table raw value → normalised value
  bool pinned_ = false;

  // Epoch state; `mutex_` guards what workers and the consumer share.
  int64_t epoch_ = -1;
  std::vector<int64_t> order_;
  int64_t next_batch_ = 0;
  int64_t window_ = 2;
  std::mutex mutex_;
  std::condition_variable produced_;
  std::condition_variable consumed_;
  std::map<int64_t, Batch> ready_;
  std::exception_ptr error_;
  bool cancel_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace nas::data
