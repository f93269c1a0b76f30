#include "gumbel.hpp"

#include <limits>

#include <ATen/ATen.h>

namespace nas::darts_cc {

namespace {
template <class Temperature>
at::Tensor gumbel_softmax_at(const at::Tensor& logits, int64_t batch, const Temperature& temperature) {
  std::vector<int64_t> shape{batch};
  shape.insert(shape.end(), logits.sizes().begin(), logits.sizes().end());
  // Like torch.distributions' clamp_probs: keep U inside (0, 1) so both logs are finite.
  const double eps = std::numeric_limits<float>::epsilon();
  const at::Tensor u = at::rand(shape, logits.options().requires_grad(false)).clamp_(eps, 1.0 - eps);
  const at::Tensor g = -at::log(-at::log(u));
  return at::softmax((logits.unsqueeze(0) + g) / temperature, -1);
}
}  // namespace

at::Tensor gumbel_softmax_weights(const at::Tensor& logits, int64_t batch, double temperature) {
  return gumbel_softmax_at(logits, batch, temperature);
}

at::Tensor gumbel_softmax_weights(const at::Tensor& logits, int64_t batch, const at::Tensor& temperature) {
  return gumbel_softmax_at(logits, batch, temperature);
}

double temperature_at(double initial, double delta, int64_t epoch) {
  return initial + delta * static_cast<double>(epoch);
}

}  // namespace nas::darts_cc
