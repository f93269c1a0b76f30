#pragma once
// Integer indices read from JSON data (genotype files), at full width.
//
// nlohmann's get<int>() narrows silently: 4294967297 (2^32 + 1) becomes 1, a valid input
// index, so a damaged file would turn into a different architecture. Readers take the value
// as int64 (huge unsigned values clamp to INT64_MAX, still out of every range) and
// range-check that; messages print the value as written (Json::dump).
#include <cstdint>
#include <limits>

#include "nashost/config.hpp"

namespace nas::detail {

inline int64_t json_int64(const Json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    constexpr auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    return u > max ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(u);
  }
  return v.get<int64_t>();
}

}  // namespace nas::detail
