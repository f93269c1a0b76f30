#include "model_export.hpp"

#include <algorithm>

#include "exporters.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_enas_dag.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"
#include "nashost/model_card.hpp"
#include "nashost/version.hpp"

namespace nas::host {
namespace fs = std::filesystem;

Exporter exporter_for(const std::string& network, const std::string& card_file) {
  if (network == kModelDartsEval) return export_darts_eval;
  if (network == kModelDartsCcOneHot) return export_darts_cc_one_hot;
  if (network == kModelEnasRnn) return export_enas_rnn;
  if (network == kModelEnasCnnMicro) return export_enas_cnn_micro;
  if (network == kModelEnasCnnMacro) return export_enas_cnn_macro;
  throw Error("'" + card_file + "': network '" + network + "' is not one nashost exports (known: " + kModelDartsEval +
              ", " + kModelDartsCcOneHot + ", " + kModelEnasRnn + ", " + kModelEnasCnnMicro + ", " +
              kModelEnasCnnMacro + ")");
}

namespace {

/// The ENAS authors' flat arc: micro = per node [x_in, x_op, y_in, y_op] for the normal
/// then the reduction cell; macro = per layer the op id then its skip bits (meta.arc).
std::string arc_text(const Genotype& g, const Json& config) {
  std::vector<int64_t> seq;
  if (g.space == "enas-cnn-macro") {
    seq = g.meta.at("arc").get<std::vector<int64_t>>();
  } else {
    const auto ops = config.at("ops").get<std::vector<std::string>>();
    for (const CellGenotype* cell : {&g.normal, &g.reduce})
      for (const auto& node : cell->nodes)
        for (const auto& e : node) {
          seq.push_back(e.input);
          seq.push_back(std::find(ops.begin(), ops.end(), e.op) - ops.begin());
        }
  }
  std::string s;
  for (int64_t v : seq) s += (s.empty() ? "" : " ") + std::to_string(v);
  return s;
}

/// quark0's flat gene list holds two edges per node; other genotypes (DARTS-CC's `simple`
/// rule keeps 0..i+2) need the nested form.
DartsTextLayout text_layout(const Genotype& g) {
  for (const CellGenotype* cell : {&g.normal, &g.reduce})
    for (const auto& node : cell->nodes)
      if (node.size() != 2) return DartsTextLayout::Nested;
  return DartsTextLayout::Flat;
}

/// The published text forms of the genotype that exist for its space.
void write_genotype_texts(const Genotype& g, const Json& config, const fs::path& dir) {
  save_genotype(g, dir / "genotype.json");
  if (g.space == "darts") {
    atomic_write_text(dir / "genotype.txt", to_darts_text(g, text_layout(g)) + "\n");
    // DARTS-CC's integer form needs one op per (node, input) pair; other genotypes have none.
    try {
      atomic_write_text(dir / "genotype.darts_cc.json", to_darts_cc_json(g).dump() + "\n");
    } catch (const Error&) {
    }
  } else if (g.space == "enas-rnn") {
    atomic_write_text(dir / "dag.json", to_enas_dag_json(g));
  } else if (g.space == "enas-cnn") {
    atomic_write_text(dir / "genotype.txt", to_darts_text(g) + "\n");
    atomic_write_text(dir / "arc.txt", arc_text(g, config) + "\n");
  } else if (g.space == "enas-cnn-macro") {
    atomic_write_text(dir / "arc.txt", arc_text(g, config) + "\n");
  }
}

fs::path model_file_of(const fs::path& given) {
  std::error_code ec;
  if (fs::is_directory(given, ec)) return given / "model.pt";
  return given;
}

}  // namespace

fs::path default_export_dir(const fs::path& model_file) {
  const fs::path dir = fs::absolute(model_file_of(model_file)).parent_path();
  if (dir.parent_path().filename() == "train") return dir.parent_path().parent_path() / "export" / dir.filename();
  return dir / "export";
}

ExportResult export_model(const fs::path& given, const fs::path& out_dir) {
  const fs::path model_file = model_file_of(given);
  const fs::path card_file = model_card_file(model_file);
  std::error_code ec;
  if (!fs::exists(model_file, ec)) throw Error("export: model file '" + model_file.string() + "' does not exist");
  if (!fs::exists(card_file, ec))
    throw Error("export: '" + card_file.string() + "' is missing: it says how '" + model_file.string() +
                "' was built, and trainers write it since nashost exports models; train the model again");
  const Json card = parse_json_text(read_text_file(card_file), card_file.string());
  if (!card.is_object() || card.value("format", "") != "nashost-model")
    throw Error("export: '" + card_file.string() + "' is not a nashost model description");
  const std::string network = card.value("network", "");
  const Exporter exporter = exporter_for(network, card_file.string());
  WeightMap weights = WeightMap::read(model_file);
  ExportedModel ex;
  Genotype g;
  try {
    g = genotype_from_json(card.at("genotype"));
    ex = exporter(card, weights);
  } catch (const Json::exception& e) {
    throw Error("export: '" + card_file.string() + "' lacks what network '" + network + "' needs: " + e.what());
  }
  weights.expect_all_used();

  fs::create_directories(out_dir);
  write_safetensors(out_dir / "model.safetensors", ex.weights, {{"format", "pt"}, {"network", network}});
  Json config = Json::object();
  config["format"] = "nashost-export";
  config["version"] = 1;
  config["network"] = network;
  config["parameter_names"] = ex.names;
  config["space"] = g.space;
  for (const auto& [k, v] : ex.config.items()) config[k] = v;
  config["genotype"] = to_json(g);
  config["params"] = card.value("params", int64_t{0});  // as nashost reports it (auxiliary head excluded)
  // What `nashost import` needs to write a model file of this network again from weights
  // trained in Python: the nashost-side config and every tensor's name, dtype and shape.
  Json model = weights.describe();
  model["config"] = card.at("config");
  config["nashost"] =
      Json{{"version", sdk_version_string()}, {"model_file", fs::absolute(model_file).string()}, {"model", model}};
  atomic_write_text(out_dir / "config.json", config.dump(2) + "\n");
  write_genotype_texts(g, card.at("config"), out_dir);
  return {model_file, out_dir, network, static_cast<int64_t>(ex.weights.size())};
}

std::vector<ExportResult> export_run(const fs::path& run_dir, const fs::path& out_root) {
  const fs::path train = run_dir / "train";
  std::error_code ec;
  if (!fs::is_directory(train, ec))
    throw Error("export: '" + run_dir.string() + "' has no train/ folder (give a run directory or a model file)");
  std::vector<fs::path> models;
  for (const auto& entry : fs::directory_iterator(train))
    if (fs::exists(entry.path() / "model.json", ec) && fs::exists(entry.path() / "model.pt", ec))
      models.push_back(entry.path() / "model.pt");
  std::sort(models.begin(), models.end());
  if (models.empty())
    throw Error("export: no model under '" + train.string() +
                "' has a model.json (trained before nashost exported models?)");
  std::vector<ExportResult> out;
  const fs::path root = out_root.empty() ? run_dir / "export" : out_root;
  for (const auto& m : models) out.push_back(export_model(m, root / m.parent_path().filename()));
  return out;
}

}  // namespace nas::host
