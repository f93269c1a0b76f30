#include "nashost/nn/schedules.hpp"

#include <cmath>

namespace nas::nn {

double cosine_lr(double lr_max, double lr_min, int64_t epoch, int64_t epochs) {
  if (epochs <= 0) return lr_max;
  return lr_min +
         0.5 * (lr_max - lr_min) * (1.0 + std::cos(M_PI * static_cast<double>(epoch) / static_cast<double>(epochs)));
}

}  // namespace nas::nn
