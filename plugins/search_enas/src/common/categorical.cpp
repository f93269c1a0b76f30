#include "common/categorical.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"

namespace nas::enas {

at::Tensor sample_categorical(const at::Tensor& p) {
  // ATen's multinomial for one sample (aten/src/ATen/native/Distributions.cpp): q ~ Exp(1),
  // q = p / q in place, argmax over the classes.
  at::Tensor q = at::empty_like(p).exponential_(1);
  at::div_out(q, p, q);
  return at::argmax(q, -1);
}

void check_finite_log_probs(const at::Tensor& log_probs, const std::string& where) {
  if (!at::isfinite(log_probs).all().item<bool>())
    throw Error(where +
                ": the controller's decision probabilities are not finite (its logits overflowed or "
                "became NaN); lower controller_lr or set controller_clip / tanh_c");
}

}  // namespace nas::enas
