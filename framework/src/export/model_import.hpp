#pragma once
// `nashost import`: PyTorch weights of a DARTS evaluation network (a folder as `nashost export`
// writes it: config.json + model.safetensors under quark0 NetworkCIFAR names) back into a
// nashost model file, with its model.json. The mapping is the exporter's own, run on a freshly
// built network: what import reads is exactly what export writes (docs/export.md).
#include <filesystem>

namespace nas::host {

struct ImportResult {
  std::filesystem::path model_file;
  std::string network;
  int64_t tensors = 0;
  int64_t params = 0;  ///< auxiliary head excluded, as nashost reports it
};

/// Weights in PyTorch form (model.safetensors, or a torch.save'd plain dict) plus the
/// config.json of `nashost export` → a nashost model file of that network, for any network
/// nashost exports; a darts-eval config.json may also be written by hand (quark0 weights).
/// nas::Error when the config is not an export config, a tensor is missing, extra, or of
/// another shape or dtype. `model_file` and model.json beside it are written atomically.
ImportResult import_model(const std::filesystem::path& export_dir, const std::filesystem::path& model_file);

}  // namespace nas::host
