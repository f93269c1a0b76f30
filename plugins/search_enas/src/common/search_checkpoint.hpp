#pragma once
// What the RNN and the CNN search checkpoints have in common: a JSON state (format tag,
// counters, options), the shared network, the controller, both optimisers, the REINFORCE
// baseline and the random-number generators. Each search adds its own entries around them.
#include <filesystem>
#include <initializer_list>
#include <string>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "common/reinforce.hpp"
#include "nashost/config.hpp"

namespace nas::enas {

struct SearchCheckpointParts {
  torch::nn::Module& shared;
  torch::nn::Module& controller;
  torch::optim::Optimizer& shared_optim;
  torch::optim::Optimizer& controller_optim;
  Reinforce& reinforce;
};

/// Writes `state` (as JSON) and the common parts; the RNG of `device` too when it is CUDA.
void write_search_checkpoint(torch::serialize::OutputArchive& archive, const Json& state,
                             const SearchCheckpointParts& parts, const c10::Device& device);

/// From `archive`, which nas::read_archive loaded from `file` (so that LibTorch's errors on a
/// damaged entry become "corrupt checkpoint" naming the file): checks its format tag and
/// that `keys` of its options equal this run's `options`, restores the common parts and
/// returns the JSON state. Errors name the file.
Json read_search_checkpoint(torch::serialize::InputArchive& archive, const std::filesystem::path& file,
                            const std::string& format, const std::string& what, const Json& options,
                            std::initializer_list<const char*> keys, const SearchCheckpointParts& parts,
                            const c10::Device& device);

}  // namespace nas::enas
