#pragma once
// Reading JSON that comes from files or users: bounded nesting, a UTF-8 BOM accepted,
// errors that name the source.
//
// Data files (genotypes, configs, run records) become nested value trees, and several
// consumers walk those trees recursively (json dump, the Lua bridge, the TOML converter).
// A file of 10^5 nested '[' would overflow the stack there, so nesting is bounded where the
// data comes in, far above anything a real genotype or config needs.
#include <string>
#include <string_view>

#include "nashost/config.hpp"
#include "nashost/export.hpp"

namespace nas {

/// The deepest nesting of arrays/objects accepted in data (a DARTS genotype needs 4).
inline constexpr int kMaxDataNesting = 64;

/// Parses `text` (a leading UTF-8 BOM is skipped). Throws nas::Error starting with
/// `source` ("genotype 'g.json'", a file name ...) for a syntax error or nesting deeper
/// than kMaxDataNesting.
NASHOST_SDK_API Json parse_json_text(std::string_view text, const std::string& source);

/// The nesting depth of `value` (a scalar is 0, [] is 1), computed without recursion.
NASHOST_SDK_API int json_depth(const Json& value);

/// Throws nas::Error naming `source` when `value` nests deeper than kMaxDataNesting.
NASHOST_SDK_API void check_json_depth(const Json& value, const std::string& source);

/// `text` without a leading UTF-8 byte-order mark.
NASHOST_SDK_API std::string_view without_utf8_bom(std::string_view text);

}  // namespace nas
