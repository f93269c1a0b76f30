#pragma once
// Writing LibTorch archives (checkpoints, model files) so that a failed write is an error,
// never a crash.
//
// OutputArchive::save_to(path) streams straight into the file; when the disk fills up the
// write throws, and the archive writer's destructor then tries to finish the file, throws
// again and std::terminate ends the process (run record left "running", log cut, temporary
// file left behind). So archives are serialised in memory first and written out by code
// that checks every step.
#include <filesystem>

#include <torch/serialize/output-archive.h>

#include "nashost/export.hpp"

namespace nas {

/// Serialises `archive` and writes it to `file` (created or replaced, not atomically: use
/// it for the temporary that atomic_write_file hands out). nas::Error naming the file and
/// the cause (e.g. "No space left on device") on failure.
NASHOST_SDK_API void save_archive(torch::serialize::OutputArchive& archive, const std::filesystem::path& file);

/// save_archive through atomic_write_file: `file` is replaced only by a complete archive.
NASHOST_SDK_API void save_archive_atomically(torch::serialize::OutputArchive& archive,
                                             const std::filesystem::path& file);

}  // namespace nas
