#pragma once
// Shared by the libFuzzer targets (docs/testing.md).
//
// What counts as a finding: the sanitizers' reports (memory errors, undefined behaviour),
// aborts, hangs and running out of memory always do. A nas::Error is the parser rejecting
// bad input, which is its job. Any other exception breaks the SDK's contract ("every failure
// that reaches a user is a nas::Error", nashost/error.hpp), but the host's main() still
// catches it, so it is noted once per type and only fails the run with NASHOST_FUZZ_STRICT=1
// (otherwise the first one would stop every later run before it reaches a real crash).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <set>
#include <string>
#include <typeinfo>

#include "nashost/error.hpp"

namespace nas::fuzz {

inline bool strict() {
  static const bool on = [] {
    const char* v = std::getenv("NASHOST_FUZZ_STRICT");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return on;
}

/// A broken expectation (round trip, contract); fatal only in strict mode, see above.
inline void finding(const std::string& what) {
  static std::set<std::string> seen;
  if (strict()) {
    std::fprintf(stderr, "fuzz: FINDING: %s\n", what.c_str());
    std::abort();
  }
  if (seen.insert(what.substr(0, 60)).second)
    std::fprintf(stderr, "fuzz: note (fatal with NASHOST_FUZZ_STRICT=1): %s\n", what.c_str());
}

/// Runs one parser call: nas::Error is expected, other exceptions are findings.
template <class F>
void guarded(F&& call) {
  try {
    call();
  } catch (const nas::Error&) {
  } catch (const std::exception& e) {
    finding(std::string("exception ") + typeid(e).name() +
            " instead of nas::Error: " + std::string(e.what()).substr(0, 200));
  }
}

/// A private folder per process (libFuzzer's -jobs / -fork run several), emptied at exit,
/// for the parsers whose public entry point takes a path.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nashost-fuzz-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    static std::filesystem::path keep = tmpl;
    std::atexit([] {
      // Two levels at most (see write_file); not remove_all, which libtorch.so overrides.
      std::error_code ec;
      for (const auto& e : std::filesystem::recursive_directory_iterator(keep, ec))
        if (!e.is_directory(ec)) std::filesystem::remove(e.path(), ec);
      for (const auto& e : std::filesystem::directory_iterator(keep, ec)) std::filesystem::remove(e.path(), ec);
      std::filesystem::remove(keep, ec);
    });
    return keep;
  }();
  return dir;
}

/// Writes bytes to `name` inside the scratch folder and returns its path.
inline std::filesystem::path write_file(const std::string& name, const uint8_t* data, size_t size) {
  const auto path = scratch_dir() / name;
  std::filesystem::create_directories(path.parent_path());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace nas::fuzz
