#pragma once
// The macro space behind the CnnSearchSpace interface (macro_controller + macro_cnn).
#include <memory>

#include "cnn/cnn_space.hpp"

namespace nas::enas {

std::unique_ptr<CnnSearchSpace> make_macro_space(const Config& options, const DatasetInfo& info, bool random);

}  // namespace nas::enas
