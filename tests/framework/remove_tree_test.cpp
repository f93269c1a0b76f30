// nas::remove_tree in a process with LibTorch loaded (this test binary links it): the
// std::filesystem::remove_all that libtorch.so exports crashes on exactly this kind of tree.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "nashost/support/remove_tree.hpp"

namespace fs = std::filesystem;

TEST(RemoveTree, RemovesANestedTreeButNotWhatItsLinksPointTo) {
  const fs::path base = fs::temp_directory_path() / ("nashost_remove_tree_" + std::to_string(::getpid()));
  const fs::path tree = base / "tree", outside = base / "outside";
  fs::create_directories(tree / "sub" / "deeper");
  fs::create_directories(outside);
  std::ofstream(tree / "sub" / "a.txt") << "a";
  std::ofstream(tree / "sub" / "deeper" / "b.txt") << "b";
  std::ofstream(outside / "keep.txt") << "keep";
  fs::create_directory_symlink(outside, tree / "link");

  EXPECT_EQ(nas::remove_tree(tree), 6u);  // tree, sub, a.txt, deeper, b.txt, link
  EXPECT_FALSE(fs::exists(tree));
  EXPECT_TRUE(fs::exists(outside / "keep.txt"));
  EXPECT_EQ(nas::remove_tree(tree), 0u);  // already gone
  EXPECT_EQ(nas::remove_tree(base), 3u);
}
