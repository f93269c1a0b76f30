#include "nashost/support/remove_tree.hpp"

#include <vector>

namespace nas {

std::uintmax_t remove_tree(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const fs::file_status st = fs::symlink_status(path);
  if (!fs::exists(st)) return 0;
  std::uintmax_t removed = 0;
  if (fs::is_directory(st)) {
    std::vector<fs::path> children;  // listed first: removing while iterating is unspecified
    for (const auto& entry : fs::directory_iterator(path)) children.push_back(entry.path());
    for (const auto& child : children) removed += remove_tree(child);
  }
  if (fs::remove(path)) ++removed;
  return removed;
}

}  // namespace nas
