#pragma once
// One exporter per network kind (nashost/model_card.hpp): renames a trained model's
// tensors to the parameter names of the PyTorch module that python/nashost_torch builds
// (the reference implementation's names where one exists; docs/export.md lists them) and
// says what that module needs to be rebuilt.
#include <string>

#include "nashost/config.hpp"
#include "weight_map.hpp"

namespace nas::host {

struct ExportedModel {
  NamedTensors weights;  ///< under the exported names, in a stable order
  Json config;           ///< sizes and choices for config.json (beside space and genotype)
  std::string names;     ///< whose parameter names `weights` follow, for config.json
};

/// `card` is the model's model.json. Each throws nas::Error when the card and the file
/// disagree; the caller checks that every tensor was used (WeightMap::expect_all_used).
ExportedModel export_darts_eval(const Json& card, WeightMap& w);
ExportedModel export_darts_cc_one_hot(const Json& card, WeightMap& w);
ExportedModel export_enas_rnn(const Json& card, WeightMap& w);
ExportedModel export_enas_cnn_micro(const Json& card, WeightMap& w);
ExportedModel export_enas_cnn_macro(const Json& card, WeightMap& w);

using Exporter = ExportedModel (*)(const Json& card, WeightMap& w);
/// The exporter of a network kind (model.json's "network"); nas::Error naming `where` and
/// the known kinds otherwise.
Exporter exporter_for(const std::string& network, const std::string& where);

}  // namespace nas::host
