#pragma once
// Upper bounds on the size options of the networks (DARTS, DARTS-CC, ENAS).
//
// Generous for every published configuration (DARTS: 20 cells of 36 channels, 4 nodes;
// ENAS: 1000 hidden units, 12 blocks; their ImageNet variants), yet small enough that a
// typo such as `layers = 1000000` or `channels = 10^9` is refused with a message naming the
// key before anything is allocated, instead of ending in std::bad_alloc or the OOM killer.
// Components check their options with Config::get_int_in(key, 1, kMax...), and the SDK
// networks check their option structs once more for callers that build them directly.
#include <cstdint>
#include <string>

#include "nashost/error.hpp"

namespace nas::nn {

inline constexpr int64_t kMaxLayers = 256;         ///< cells (or layers) of a network
inline constexpr int64_t kMaxChannels = 1024;      ///< initial width C (doubled at each reduction)
inline constexpr int64_t kMaxNodes = 64;           ///< intermediate nodes (blocks) per cell
inline constexpr int64_t kMaxStemMultiplier = 16;  ///< stem width = stem_multiplier * C
inline constexpr int64_t kMaxHidden = 8192;        ///< recurrent hidden / embedding / controller size

/// ConfigError naming `network` and the field outside 1..kMax* (the SDK networks' own check).
inline void check_network_sizes(const std::string& network, int64_t layers, int64_t channels, int64_t stem_multiplier,
                                int64_t nodes = 1) {
  auto check = [&](const char* field, int64_t v, int64_t max) {
    if (v < 1 || v > max)
      throw ConfigError(network + ": " + field + " must be in 1.." + std::to_string(max) + ", got " +
                        std::to_string(v));
  };
  check("layers", layers, kMaxLayers);
  check("channels", channels, kMaxChannels);
  check("stem_multiplier", stem_multiplier, kMaxStemMultiplier);
  check("nodes", nodes, kMaxNodes);
}

}  // namespace nas::nn
