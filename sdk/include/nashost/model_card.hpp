#pragma once
// model.json: written beside every trained model file (train/<label>/model.pt).
//
// A model file holds weights under nashost's own names, and for some networks not even
// the sizes they were built with (the darts-eval trainer's C, layers, input shape, ...).
// `nashost export` (and nas.export) turn a model into PyTorch weights plus a config that
// rebuilds the network, so every trainer records here what it built: the network kind,
// every size, and the genotype. Header-only on purpose: trainers in any plugin write it
// without a new SDK symbol.
#include <filesystem>
#include <string>

#include "nashost/config.hpp"
#include "nashost/genotype.hpp"
#include "nashost/io.hpp"

namespace nas {

/// Network kinds the exporter knows (framework/src/export/).
inline constexpr const char* kModelDartsEval = "darts-eval";            ///< nn::DartsEvalNetwork
inline constexpr const char* kModelDartsCcOneHot = "darts-cc-one-hot";  ///< DartsSearchNetwork::forward_discrete
inline constexpr const char* kModelEnasRnn = "enas-rnn";                ///< the ENAS shared RNN with one DAG
inline constexpr const char* kModelEnasCnnMicro = "enas-cnn-micro";     ///< the ENAS micro CNN with one arc
inline constexpr const char* kModelEnasCnnMacro = "enas-cnn-macro";     ///< the ENAS macro CNN with one arc

/// The file name beside the model file.
inline std::filesystem::path model_card_file(const std::filesystem::path& model_file) {
  return model_file.parent_path() / "model.json";
}

/// Writes model.json beside `model_file` (atomically): {format, version, network,
/// model_file (its name), config (sizes; network-specific), genotype, params (the
/// reported count, auxiliary heads excluded)}.
inline void write_model_card(const std::filesystem::path& model_file, const std::string& network, const Json& config,
                             const Genotype& genotype, int64_t params) {
  Json card = Json::object();
  card["format"] = "nashost-model";
  card["version"] = 1;
  card["network"] = network;
  card["model_file"] = model_file.filename().string();
  card["config"] = config;
  card["genotype"] = to_json(genotype);
  card["params"] = params;
  atomic_write_text(model_card_file(model_file), card.dump(2) + "\n");
}

}  // namespace nas
