#pragma once
// `nashost export <run dir | model file | model folder> [-o DIR]`.
#include <filesystem>

namespace nas::host {

/// Exports one model, or every model of a run directory; prints one line per export
/// folder. Returns the exit code (errors are thrown as nas::Error).
int cmd_export(const std::filesystem::path& what, const std::filesystem::path& out);

/// `nashost import <export folder> [-o MODEL_FILE]`: a darts-eval model's PyTorch weights
/// back into a nashost model file (default <folder>/nashost/model.pt); prints its path.
int cmd_import(const std::filesystem::path& export_dir, const std::filesystem::path& out);

}  // namespace nas::host
