#pragma once
// Memory layout of the DARTS networks' activations (option `memory_format`).
#include <string>

#include "nashost/export.hpp"

namespace nas::nn {

enum class Layout {
  Auto,          ///< channels-last on the CPU (measured faster there), NCHW on CUDA
  ChannelsLast,  ///< channels-last everywhere (e.g. to measure it on a GPU)
  Nchw,          ///< LibTorch's default layout everywhere
};

/// "auto", "channels_last" or "nchw"; anything else throws ConfigError naming `key`.
NASHOST_SDK_API Layout parse_layout(const std::string& name, const std::string& key);

/// The option's description, shared by every plugin that offers it.
inline constexpr const char* kLayoutOptionHelp =
    "activation layout: auto = channels-last on the CPU (oneDNN's depthwise convolutions and the pools are "
    "several times faster there) and NCHW on CUDA; channels_last; nchw. Same result up to rounding";

}  // namespace nas::nn
