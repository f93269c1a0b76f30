#include "rnn/rnn_model_file.hpp"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "nashost/archive_io.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace nas::enas {

void save_shared_model(SharedRnnImpl& model, const std::optional<std::vector<Edge>>& edges,
                       const std::filesystem::path& file) {
  Json meta{{"format", "nashost-enas-shared-rnn"}, {"version", 1}, {"config", model.config().to_json()}};
  Json acts = Json::array();
  for (const auto& child : model.named_children())
    if (child.key().rfind("act_", 0) == 0) acts.push_back(child.key().substr(4));
  meta["activations"] = acts;
  if (edges) {
    Json e = Json::array();
    for (const auto& [i, j] : *edges) e.push_back(Json::array({i, j}));
    meta["edges"] = e;
  }
  write_model_archive(model, meta, file);
}

SharedRnn load_shared_model(const std::filesystem::path& file, const OperationSet& ops, c10::Device device) {
  SharedRnn model(nullptr);
  read_model_archive(file, device, "nashost-enas-shared-rnn", "ENAS shared-model file",
                     "the enas strategy writes search/shared_model.pt in its run directory",
                     [&](torch::serialize::InputArchive& archive, const Json& meta) {
                       std::vector<std::string> acts = meta.at("activations").get<std::vector<std::string>>();
                       if (acts != ops.ops())
                         throw Error("'" + file.string() + "' was written with activations " +
                                     meta.at("activations").dump() + ", the operation set has others");
                       std::optional<std::vector<Edge>> edges;
                       if (meta.contains("edges")) {
                         edges.emplace();
                         for (const auto& e : meta["edges"]) edges->emplace_back(e[0].get<int>(), e[1].get<int>());
                       }
                       model = SharedRnn(SharedRnnConfig::from_json(meta.at("config")), ops, edges);
                       read_model_weights(archive, *model, device);
                     });
  return model;
}

}  // namespace nas::enas
