#pragma once
// A tiny in-memory image dataset for the ENAS CNN tests: class k = a bright k-th quadrant
// on noise, so a few steps of training separate the classes. Deterministic loaders.
#include <algorithm>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "enas_cnn_ops.hpp"
#include "cnn/macro/macro_arc.hpp"
#include "nashost/dataset.hpp"
#include "nashost/support/standalone_context.hpp"

namespace enas_cnn_test {

/// A 3-layer macro arc: layer 0 conv_3x3; layer 1 sep_conv_3x3 + skip from 0; layer 2
/// max_pool_3x3 + skips from 0 and 1.
inline nas::enas::MacroArc example_macro() {
  nas::enas::MacroArc a;
  a.ops = {0, 1, 5};
  a.skips = {{}, {1}, {1, 1}};
  return a;
}

/// Exact resume: search `b` holds bit for bit the shared and controller weights of `a`.
/// Call through ASSERT_NO_FATAL_FAILURE.
template <class Search>
void expect_same_weights(Search& a, Search& b) {
  auto pa = a.shared().parameters(), pb = b.shared().parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) ASSERT_TRUE(at::equal(pa[i], pb[i])) << "shared parameter " << i;
  auto ca = a.controller().parameters(), cb = b.controller().parameters();
  ASSERT_EQ(ca.size(), cb.size());
  for (size_t i = 0; i < ca.size(); ++i) ASSERT_TRUE(at::equal(ca[i], cb[i])) << "controller parameter " << i;
}

class MemoryLoader final : public nas::BatchLoader {
 public:
  MemoryLoader(at::Tensor x, at::Tensor y, nas::LoaderOptions o) : x_(std::move(x)), y_(std::move(y)), o_(o) {}
  int64_t batches_per_epoch() const override { return (x_.size(0) + o_.batch_size - 1) / o_.batch_size; }
  void start_epoch(int64_t epoch) override {
    order_.resize(static_cast<size_t>(x_.size(0)));
    std::iota(order_.begin(), order_.end(), 0);
    if (o_.shuffle) {
      std::mt19937_64 g(o_.seed * 1000003ULL + static_cast<uint64_t>(epoch));
      std::shuffle(order_.begin(), order_.end(), g);
    }
    pos_ = 0;
  }
  std::optional<nas::Batch> next() override {
    if (pos_ >= static_cast<int64_t>(order_.size())) return std::nullopt;
    const int64_t end = std::min<int64_t>(pos_ + o_.batch_size, static_cast<int64_t>(order_.size()));
    at::Tensor idx = at::tensor(std::vector<int64_t>(order_.begin() + pos_, order_.begin() + end));
    pos_ = end;
    return nas::Batch{x_.index_select(0, idx).to(o_.device), y_.index_select(0, idx).to(o_.device)};
  }

 private:
  at::Tensor x_, y_;
  nas::LoaderOptions o_;
  std::vector<int64_t> order_;
  int64_t pos_ = 0;
};

class TinyImages final : public nas::Dataset {
 public:
  explicit TinyImages(int64_t channels = 1, int64_t size = 8, int64_t classes = 4) {
    info_.name = "tiny-images";
    info_.input_shape = {channels, size, size};
    info_.num_outputs = classes;
    info_.synthetic = true;
    info_.source = "synthetic";
    uint64_t seed = 7;
    for (auto split : {nas::Split::Train, nas::Split::Valid, nas::Split::Test}) {
      at::Generator g = at::detail::createCPUGenerator(seed++);
      const int64_t n = split == nas::Split::Train ? 96 : 48;
      at::Tensor y = at::randint(classes, {n}, g, at::TensorOptions().dtype(at::kLong));
      at::Tensor x = at::randn({n, channels, size, size}, g) * 0.5;
      const int64_t h = size / 2;
      for (int64_t i = 0; i < n; ++i) {
        const int64_t k = y[i].item<int64_t>() % 4;
        x[i].narrow(1, (k / 2) * h, h).narrow(2, (k % 2) * h, h) += 2.0;
      }
      data_[split] = {x, y};
    }
    data_[nas::Split::TrainFull] = data_[nas::Split::Train];
  }
  const nas::DatasetInfo& info() const override { return info_; }
  int64_t size(nas::Split s) const override { return data_.at(s).first.size(0); }
  std::unique_ptr<nas::BatchLoader> loader(nas::Split s, const nas::LoaderOptions& o) override {
    return std::make_unique<MemoryLoader>(data_.at(s).first, data_.at(s).second, o);
  }

 private:
  nas::DatasetInfo info_;
  std::map<nas::Split, std::pair<at::Tensor, at::Tensor>> data_;
};

inline std::filesystem::path fresh_dir(const std::string& name) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("nashost-enas-cnn-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir);  // unique name: nothing to remove first
  return dir;
}

inline std::unique_ptr<nas::StandaloneContext> context(const std::string& name, uint64_t seed = 1,
                                                       c10::Device device = c10::Device(c10::kCPU)) {
  auto ctx = std::make_unique<nas::StandaloneContext>(fresh_dir(name), seed, device);
  ctx->add_operation_set("enas-cnn", std::make_shared<nas::enas::EnasCnnOperationSet>());
  return ctx;
}

}  // namespace enas_cnn_test
