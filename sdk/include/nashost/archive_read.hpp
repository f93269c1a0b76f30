#pragma once
// Reading LibTorch archives (checkpoints, model files) with errors a person can act on.
//
// A damaged checkpoint fails inside LibTorch: load_from on a truncated zip, read() of a
// missing entry, Module::load of a tensor with the wrong shape, Generator::set_state of an
// RNG state of the wrong size. Those throw c10::Error, whose what() is a C++ stack trace
// that names neither the file nor what to do. read_archive turns them into nas::Error.
#include <filesystem>
#include <functional>
#include <string>

#include <c10/core/Device.h>
#include <torch/serialize/input-archive.h>

#include "nashost/export.hpp"

namespace nas {

/// Loads `file` onto `device` and hands the archive to `read`, which does ALL of its
/// reading (entries, sub-archives, Module/optimizer load, generator states): anything
/// LibTorch or the JSON parser throws there becomes nas::Error naming the file, `what` it
/// should be (e.g. "DARTS search checkpoint"), that it is corrupt, and LibTorch's reason
/// without the stack trace. A nas::Error thrown by `read` itself (e.g. "made with other
/// options") passes through unchanged. A missing file or a directory is said as such.
NASHOST_SDK_API void read_archive(const std::filesystem::path& file, c10::Device device, const std::string& what,
                                  const std::function<void(torch::serialize::InputArchive&)>& read);

}  // namespace nas
