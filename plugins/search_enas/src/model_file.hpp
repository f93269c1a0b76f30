#pragma once
// The shared-model file: what enas-rnn-eval loads to evaluate edited DAGs without training.
// A LibTorch archive holding the weights, the SharedRnnConfig, the activation names and
// (for a single-DAG model) its edges. Always written atomically.
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include <c10/core/Device.h>
#include <torch/serialize/input-archive.h>

#include "shared_rnn.hpp"

namespace nas::enas {

/// The container both shared-model files use (RNN here, CNN in cnn_training.cpp): a JSON
/// `meta` entry and the module's weights, written atomically.
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

void save_shared_model(SharedRnnImpl& model, const std::optional<std::vector<Edge>>& edges,
                       const std::filesystem::path& file);
/// Throws nas::Error naming the file if it is missing, not a shared-model file, or was
/// written with another activation set.
SharedRnn load_shared_model(const std::filesystem::path& file, const OperationSet& ops, c10::Device device);

}  // namespace nas::enas
