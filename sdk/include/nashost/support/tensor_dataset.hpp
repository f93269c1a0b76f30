#pragma once
// nashost/support/: tools for tests, benchmarks and the host, not part of the plugin contract.
// An in-memory Dataset over fixed tensors, for benchmarks and the tests of components (in
// this repository and out of tree): deterministic loaders (the order of epoch e depends only
// on the seed and e), no augmentation.
#include <memory>
#include <vector>

#include <ATen/ATen.h>

#include "nashost/dataset.hpp"
#include "nashost/export.hpp"

namespace nas {

class NASHOST_SDK_API TensorDataset : public Dataset {
 public:
  struct Part {
    at::Tensor x, y;
  };
  /// train/valid/test: inputs [N,C,H,W] float and targets ([N] int64 or [N,1] float).
  TensorDataset(DatasetInfo info, Part train, Part valid, Part test)
      : info_(std::move(info)), train_(std::move(train)), valid_(std::move(valid)), test_(std::move(test)) {}
  /// Random images with labels, for the benchmark.
  static std::shared_ptr<TensorDataset> random(int64_t n, int64_t channels, int64_t size, int64_t classes,
                                               uint64_t seed);

  const DatasetInfo& info() const override { return info_; }
  int64_t size(Split s) const override { return part(s).x.size(0); }
  std::unique_ptr<BatchLoader> loader(Split s, const LoaderOptions& o) override;

 private:
  Part part(Split s) const;
  DatasetInfo info_;
  Part train_, valid_, test_;
};

}  // namespace nas
