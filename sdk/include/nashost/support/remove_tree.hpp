#pragma once
// nashost/support/: tools for tests, benchmarks and the host, not part of the plugin contract
// (plugin.hpp, config.hpp, context.hpp, dataset.hpp, operation_set.hpp, strategy.hpp, ...).
// Removing a directory tree in a process that has LibTorch loaded.
//
// The torch wheel's libtorch.so exports its own copies of std::filesystem functions, and they
// take precedence over libstdc++'s in every module of the process. Its remove_all crashes
// (a call through a null pointer) as soon as it has a non-empty directory to walk. So nashost
// code (tests included) removes trees with this function, never with std::filesystem::remove_all
// (tests/framework: remove_tree_test.cpp, and lint.no_filesystem_remove_all).
#include <cstdint>
#include <filesystem>

#include "nashost/export.hpp"

namespace nas {

/// Removes `path` and, for a directory, everything below it (symbolic links themselves, not
/// what they point to). Returns the number of entries removed (0 if `path` does not exist);
/// throws std::filesystem::filesystem_error as std::filesystem::remove_all does.
NASHOST_SDK_API std::uintmax_t remove_tree(const std::filesystem::path& path);

}  // namespace nas
