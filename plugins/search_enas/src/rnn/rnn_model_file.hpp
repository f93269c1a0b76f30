#pragma once
// The shared-model file: what enas-rnn-eval loads to evaluate edited DAGs without training.
// A LibTorch archive holding the weights, the SharedRnnConfig, the activation names and
// (for a single-DAG model) its edges. Always written atomically.
#include <filesystem>
#include <optional>
#include <vector>

#include <c10/core/Device.h>
#include <torch/serialize/input-archive.h>

#include "common/model_archive.hpp"
#include "rnn/shared_rnn.hpp"

namespace nas::enas {

void save_shared_model(SharedRnnImpl& model, const std::optional<std::vector<Edge>>& edges,
                       const std::filesystem::path& file);
/// Throws nas::Error naming the file if it is missing, not a shared-model file, or was
/// written with another activation set.
SharedRnn load_shared_model(const std::filesystem::path& file, const OperationSet& ops, c10::Device device);

}  // namespace nas::enas
