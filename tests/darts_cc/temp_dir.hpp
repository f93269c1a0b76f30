#pragma once
// A per-test scratch directory under the build tree (removed with nas::remove_tree, not
// std::filesystem::remove_all: see nashost/support/remove_tree.hpp).
#include <unistd.h>

#include <filesystem>
#include <string>

#include "nashost/support/remove_tree.hpp"

namespace darts_cc_test {

using nas::remove_tree;

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
