#pragma once
// `nashost export` and nas.export: a trained model (model.pt + model.json) leaves nashost
// as a folder PyTorch understands (docs/export.md):
//   model.safetensors   the weights under the reference implementation's names
//   config.json         everything python/nashost_torch needs to rebuild the network
//   genotype.json       our genotype, plus the published text forms where they exist:
//                       genotype.txt (DARTS Genotype(...)), genotype.darts_cc.json,
//                       dag.json (carpedm20's ENAS RNN), arc.txt (the ENAS authors' arc)
#include <filesystem>
#include <string>
#include <vector>

namespace nas::host {

struct ExportResult {
  std::filesystem::path model_file;
  std::filesystem::path dir;
  std::string network;
  int64_t tensors = 0;
};

/// Exports `model_file` (a model.pt with model.json beside it, or the folder holding both)
/// into `out_dir` (created; files in it are replaced). nas::Error when there is no
/// model.json (a model from an older nashost: train it again) or the files disagree.
ExportResult export_model(const std::filesystem::path& model_file, const std::filesystem::path& out_dir);

/// The folder export_model uses when none is given: <run>/export/<label> for a model at
/// <run>/train/<label>/model.pt, otherwise <model folder>/export.
std::filesystem::path default_export_dir(const std::filesystem::path& model_file);

/// Every exportable model of a run directory (train/<label>/model.pt with a model.json),
/// each into out_root/<label> (default out_root: <run>/export).
std::vector<ExportResult> export_run(const std::filesystem::path& run_dir, const std::filesystem::path& out_root = {});

}  // namespace nas::host
