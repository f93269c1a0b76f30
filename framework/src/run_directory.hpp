#pragma once
// The run directory runs/<name>-<time>/ and the choice of which one to resume.
#include <filesystem>
#include <optional>
#include <string>

namespace nas::host {

/// A new directory `<runs_root>/<name>-YYYYmmdd-HHMMSS` (suffix -2, -3 ... if taken).
std::filesystem::path create_run_directory(const std::filesystem::path& runs_root, const std::string& name);
/// The newest existing run directory of `name`, if any.
std::optional<std::filesystem::path> newest_run_directory(const std::filesystem::path& runs_root,
                                                         const std::string& name);
/// Lower-case letters, digits, '-', '_' and '.' only.
std::string sanitize_run_name(const std::string& name);

}  // namespace nas::host
