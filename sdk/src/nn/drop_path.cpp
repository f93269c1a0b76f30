#include "nashost/nn/drop_path.hpp"

#include <ATen/ATen.h>

namespace nas::nn {

at::Tensor drop_path(const at::Tensor& x, double p) {
  if (p <= 0.0) return x;
  const double keep = 1.0 - p;
  std::vector<int64_t> mask_shape(static_cast<size_t>(x.dim()), 1);
  mask_shape[0] = x.size(0);
  const at::Tensor mask = at::empty(mask_shape, x.options()).bernoulli_(keep);
  return x / keep * mask;
}

at::Tensor drop_path_after(const Op& op, const at::Tensor& h, double p, bool training) {
  return training && p > 0.0 && !op.is_identity() && !op.is_zero() ? drop_path(h, p) : h;
}

at::Tensor drop_path(const at::Tensor& x, const at::Tensor& p) {
  const at::Tensor keep = (1.0 - p).to(x.scalar_type());
  std::vector<int64_t> mask_shape(static_cast<size_t>(x.dim()), 1);
  mask_shape[0] = x.size(0);
  const at::Tensor mask = at::empty(mask_shape, x.options()).bernoulli_(keep.expand(mask_shape));
  return x / keep * mask;
}

at::Tensor drop_path_after(const Op& op, const at::Tensor& h, const at::Tensor& p, bool training) {
  return training && !op.is_identity() && !op.is_zero() ? drop_path(h, p) : h;
}

}  // namespace nas::nn
