#pragma once
// The micro space behind the CnnSearchSpace interface (micro_controller + micro_cnn).
#include <memory>

#include "cnn/cnn_space.hpp"

namespace nas::enas {

std::unique_ptr<CnnSearchSpace> make_micro_space(const Config& options, const DatasetInfo& info, HostContext& ctx,
                                                 bool random);

}  // namespace nas::enas
