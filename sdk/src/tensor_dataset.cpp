#include "nashost/support/tensor_dataset.hpp"

#include <ATen/CPUGeneratorImpl.h>

namespace nas {

namespace {
class TensorLoader : public BatchLoader {
 public:
  TensorLoader(TensorDataset::Part part, LoaderOptions o) : part_(std::move(part)), o_(o) {}
  int64_t batches_per_epoch() const override {
    const int64_t n = part_.x.size(0);
    return o_.drop_last ? n / o_.batch_size : (n + o_.batch_size - 1) / o_.batch_size;
  }
  void start_epoch(int64_t epoch) override {
    const int64_t n = part_.x.size(0);
    if (o_.shuffle) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(o_.seed * 1000003ULL + static_cast<uint64_t>(epoch));
      order_ = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
    } else {
      order_ = at::arange(n, at::kLong);
    }
    pos_ = 0;
    left_ = batches_per_epoch();
  }
  std::optional<Batch> next() override {
    if (left_ <= 0) return std::nullopt;
    const int64_t n = part_.x.size(0), end = std::min(n, pos_ + o_.batch_size);
    const at::Tensor idx = order_.slice(0, pos_, end);
    pos_ = end;
    --left_;
    return Batch{part_.x.index_select(0, idx).to(o_.device), part_.y.index_select(0, idx).to(o_.device)};
  }

 private:
  TensorDataset::Part part_;
  LoaderOptions o_;
  at::Tensor order_;
  int64_t pos_ = 0, left_ = 0;
};
}  // namespace

std::shared_ptr<TensorDataset> TensorDataset::random(int64_t n, int64_t channels, int64_t size, int64_t classes,
                                                     uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto make = [&] {
    return Part{at::randn({n, channels, size, size}, gen), at::randint(classes, {n}, gen, at::kLong)};
  };
  DatasetInfo info;
  info.name = "random";
  info.task = Task::Classification;
  info.input_shape = {channels, size, size};
  info.num_outputs = classes;
  info.synthetic = true;
  info.source = "synthetic";
  Part tr = make(), va = make(), te = make();
  return std::make_shared<TensorDataset>(info, tr, va, te);
}

TensorDataset::Part TensorDataset::part(Split s) const {
  switch (s) {
    case Split::Train:
      return train_;
    case Split::Valid:
      return valid_;
    case Split::Test:
      return test_;
    case Split::TrainFull:
      return {at::cat({train_.x, valid_.x}), at::cat({train_.y, valid_.y})};
  }
  return train_;
}

std::unique_ptr<BatchLoader> TensorDataset::loader(Split s, const LoaderOptions& o) {
  return std::make_unique<TensorLoader>(part(s), o);
}

}  // namespace nas
