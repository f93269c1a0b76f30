#pragma once
// The container of the ENAS shared-model files (RNN and CNN): a JSON `meta` entry and the
// module's weights in one LibTorch archive, written atomically.
#include <filesystem>
#include <functional>
#include <string>

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/serialize/input-archive.h>

#include "nashost/config.hpp"

namespace nas::enas {

/// Writes `meta` and the weights of `model` to `file` atomically.
void write_model_archive(const torch::nn::Module& model, const Json& meta, const std::filesystem::path& file);
/// Reads such a file: checks that it exists (`missing_hint` says what writes it) and that
/// its meta has `format`, then hands the archive and the meta to `read`, which builds the
/// module from the meta and loads its weights with read_model_weights. Errors name the file
/// and call it `what`; LibTorch's errors inside `read` (a damaged tensor) say it is corrupt
/// (nas::read_archive).
void read_model_archive(const std::filesystem::path& file, c10::Device device, const std::string& format,
                        const std::string& what, const std::string& missing_hint,
                        const std::function<void(torch::serialize::InputArchive&, const Json& meta)>& read);
void read_model_weights(torch::serialize::InputArchive& archive, torch::nn::Module& model, c10::Device device);

}  // namespace nas::enas
