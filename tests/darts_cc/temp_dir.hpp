#pragma once
// A per-test scratch directory under the build tree. Deleted with nftw(): the
// std::filesystem::remove_all that LibTorch's libtorch.so exports crashes on non-empty
// directories when it wins symbol resolution.
#include <ftw.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace darts_cc_test {

inline void remove_tree(const std::filesystem::path& p) {
  nftw(
      p.c_str(), [](const char* f, const struct stat*, int, struct FTW*) { return std::remove(f); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag)
      : path(std::filesystem::path(NASHOST_BINARY_DIR) / "test-tmp" /
             ("darts_cc-" + tag + "-" + std::to_string(getpid()))) {
    remove_tree(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { remove_tree(path); }
};

}  // namespace darts_cc_test
