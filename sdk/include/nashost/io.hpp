#pragma once
// Safe file output: nothing half-written ever replaces a good file.
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "nashost/export.hpp"

namespace nas {

/// Writes through `write` into `<file>.tmp-<pid>`, flushes, fsyncs, then renames over
/// `file`. On any failure (full disk, exception in `write`) the temporary is removed,
/// `file` is untouched, and nas::Error names the file and the cause.
NASHOST_SDK_API void atomic_write(const std::filesystem::path& file, const std::function<void(std::ostream&)>& write);
NASHOST_SDK_API void atomic_write_text(const std::filesystem::path& file, const std::string& text);

/// Like atomic_write, but `write` receives a temporary path to create (for writers
/// such as torch::save that want a file name).
NASHOST_SDK_API void atomic_write_file(const std::filesystem::path& file,
                                       const std::function<void(const std::filesystem::path&)>& write);

/// Reads a whole file; nas::Error naming the file and why it cannot be read (no such file,
/// permission denied, it is a directory, a read error).
NASHOST_SDK_API std::string read_text_file(const std::filesystem::path& file);

}  // namespace nas
