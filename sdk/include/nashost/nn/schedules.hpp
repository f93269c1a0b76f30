#pragma once
// Learning-rate schedules shared by the searches and trainers.
#include <cstdint>

#include "nashost/export.hpp"

namespace nas::nn {

/// The rate of epoch e (0-based) of T epochs in closed form (DARTS, DARTS-CC; docs/methods.md):
/// η_e = η_min + ½(η_max − η_min)(1 + cos(π e / T)). Closed form rather than PyTorch's
/// stepped scheduler, whose position shifts with when step() is called. T ≤ 0: η_max.
NASHOST_SDK_API double cosine_lr(double lr_max, double lr_min, int64_t epoch, int64_t epochs);

}  // namespace nas::nn
