#pragma once
// Versions and the build fingerprint checked when a plugin is loaded.
//
// A plugin and the host exchange C++ and LibTorch objects, which is only safe when
// both were built by the same compiler, with the same C++ ABI flag, against the same
// LibTorch. The fingerprint is a string of those facts, computed in the plugin's own
// translation unit (see NASHOST_PLUGIN) and compared to the host's.
#include <cstdint>
#include <string>

#include <torch/version.h>

#include "nashost/export.hpp"

/// Bumped whenever the descriptor or any SDK interface changes layout.
/// 2: the descriptor starts with a magic number and its size.
/// 3: OptionSpec::old_names (renamed options keep working, with a warning).
/// 4: SearchNetworkOptions::partial_channels, SearchCell's partial-channel constructor,
///    DartsSearchNetwork::forward_edges (the drop-in strategies' supernet).
/// 5: HostContext::trainer, Collectives::wait_for_all (multi-trial strategies train
///    candidates with a trainer, in parallel over the ranks).
#define NASHOST_ABI_VERSION 5
#define NASHOST_SDK_VERSION_MAJOR 0
#define NASHOST_SDK_VERSION_MINOR 1
#define NASHOST_SDK_VERSION_PATCH 0

#define NASHOST_STRINGIFY_(x) #x
#define NASHOST_STRINGIFY(x) NASHOST_STRINGIFY_(x)

/// Compiler id/version, C++ ABI flag and LibTorch version, as one string literal.
#define NASHOST_BUILD_FINGERPRINT                                                                          \
  "gcc-" NASHOST_STRINGIFY(__GNUC__) "." NASHOST_STRINGIFY(__GNUC_MINOR__) " cxx11abi=" NASHOST_STRINGIFY( \
      _GLIBCXX_USE_CXX11_ABI) " torch=" TORCH_VERSION

namespace nas {

/// "major.minor.patch" of the SDK the host was built with.
NASHOST_SDK_API std::string sdk_version_string();
/// The host's own fingerprint (same macro, compiled into the SDK library).
NASHOST_SDK_API std::string host_build_fingerprint();

}  // namespace nas
