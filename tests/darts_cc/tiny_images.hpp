#pragma once
// An in-memory image classification dataset for the DARTS-CC tests: class k puts a
// bright square at a class-specific place on a noisy background, so a tiny net learns
// it in a few steps. Loaders are deterministic in (seed, epoch) like the real ones.
#include <algorithm>
#include <memory>
#include <numeric>
#include <random>

#include <ATen/ATen.h>

#include "nashost/dataset.hpp"

namespace darts_cc_test {

class TinyImages : public nas::Dataset {
 public:
  TinyImages(int64_t channels, int64_t side, int64_t classes = 4, int64_t per_split = 48) {
    info_.name = "tiny-images";
    info_.task = nas::Task::Classification;
    info_.input_shape = {channels, side, side};
    info_.num_outputs = classes;
    info_.synthetic = true;
    info_.source = "synthetic";
    at::Generator gen = at::detail::createCPUGenerator(1234);
    for (int s = 0; s < 4; ++s) {
      at::Tensor y = at::arange(per_split, at::kLong).remainder(classes);
      at::Tensor x = at::randn({per_split, channels, side, side}, gen) * 0.3;
      for (int64_t i = 0; i < per_split; ++i) {
        const int64_t k = y[i].item<int64_t>(), r = (k * 2) % (side - 2), c = (k * 3) % (side - 2);
        x[i].slice(1, r, r + 2).slice(2, c, c + 2).add_(2.0);
      }
      x_[s] = x;
      y_[s] = y;
    }
  }
  const nas::DatasetInfo& info() const override { return info_; }
  int64_t size(nas::Split split) const override { return x_[static_cast<int>(split)].size(0); }
  std::unique_ptr<nas::BatchLoader> loader(nas::Split split, const nas::LoaderOptions& o) override {
    return std::make_unique<Loader>(x_[static_cast<int>(split)], y_[static_cast<int>(split)], o);
  }

 private:
  class Loader : public nas::BatchLoader {
   public:
    Loader(at::Tensor x, at::Tensor y, nas::LoaderOptions o) : x_(x), y_(y), o_(o) {}
    int64_t batches_per_epoch() const override {
      const int64_t n = x_.size(0);
      return o_.drop_last ? n / o_.batch_size : (n + o_.batch_size - 1) / o_.batch_size;
    }
    void start_epoch(int64_t epoch) override {
      order_.resize(x_.size(0));
      std::iota(order_.begin(), order_.end(), 0);
      if (o_.shuffle) {
        std::mt19937_64 rng(o_.seed * 7919 + static_cast<uint64_t>(epoch));
        std::shuffle(order_.begin(), order_.end(), rng);
      }
      pos_ = 0;
      batch_ = 0;
    }
    std::optional<nas::Batch> next() override {
      if (batch_ >= batches_per_epoch()) return std::nullopt;
      const int64_t end = std::min<int64_t>(pos_ + o_.batch_size, static_cast<int64_t>(order_.size()));
      const at::Tensor idx = at::tensor(std::vector<int64_t>(order_.begin() + pos_, order_.begin() + end), at::kLong);
      pos_ = end;
      ++batch_;
      return nas::Batch{x_.index_select(0, idx).to(o_.device), y_.index_select(0, idx).to(o_.device)};
    }

   private:
    at::Tensor x_, y_;
    nas::LoaderOptions o_;
    std::vector<int64_t> order_;
    int64_t pos_ = 0, batch_ = 0;
  };
  nas::DatasetInfo info_;
  at::Tensor x_[4], y_[4];
};

}  // namespace darts_cc_test
