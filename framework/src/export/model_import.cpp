#include "model_import.hpp"

#include <fstream>
#include <iterator>
#include <map>

#include <ATen/ATen.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/serialize/output-archive.h>

#include "exporters.hpp"
#include "nashost/archive_io.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"
#include "nashost/model_card.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/nn/darts_ops.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

/// model.json's config of the darts-eval trainer, from an export's config.json.
Json card_config(const Json& c) {
  const auto shape = c.at("input_shape").get<std::vector<int64_t>>();
  if (shape.size() != 3) throw Error("import: input_shape must be [channels, height, width]");
  return Json{{"task", c.value("task", std::string("classification"))},
              {"in_channels", shape[0]},
              {"input_height", shape[1]},
              {"input_width", shape[2]},
              {"num_outputs", c.at("num_classes")},
              {"channels", c.at("C")},
              {"layers", c.at("layers")},
              {"stem_multiplier", c.value("stem_multiplier", int64_t{3})},
              {"auxiliary", c.value("auxiliary", false)},
              {"operation_set", "darts"},
              {"ops", nn::darts_primitives()}};
}

/// A state dict saved with torch.save in Python (zip format, the default since PyTorch 1.6):
/// names → tensors. LibTorch's unpickler reads tensors and plain dicts, but not an OrderedDict
/// with entries (what `model.state_dict()` returns), a pickled nn.Module or the legacy format:
/// those get a message saying how to save instead.
std::map<std::string, at::Tensor> read_torch_state_dict(const fs::path& file) {
  const std::string how =
      "; save the weights as a plain dict, `torch.save(dict(model.state_dict()), 'model.pth')`, "
      "or with safetensors, `safetensors.torch.save_file(model.state_dict(), 'model.safetensors')`";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("import: cannot open '" + file.string() + "'");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c10::IValue value;
  try {
    value = torch::jit::pickle_load(bytes);
  } catch (const std::exception&) {
    // LibTorch's own message is an internal assertion or a zip-reader error; say what it reads.
    throw Error("import: LibTorch cannot read '" + file.string() +
                "': it reads torch.save files in the zip format holding a plain dict of tensors, not an "
                "OrderedDict with entries (what model.state_dict() returns), a pickled nn.Module or the "
                "pre-1.6 format" +
                how);
  }
  if (!value.isGenericDict())
    throw Error("import: '" + file.string() + "' holds a " + value.tagKind() + ", not a state dict" + how);
  std::map<std::string, at::Tensor> out;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString() || !item.value().isTensor())
      throw Error("import: '" + file.string() + "' is a dict, but not of names to tensors" + how);
    out[item.key().toStringRef()] = item.value().toTensor();
  }
  return out;
}

/// The export's weights: model.safetensors, or a torch.save'd state dict (model.pth / model.pt).
std::pair<fs::path, std::map<std::string, at::Tensor>> read_weights(const fs::path& export_dir) {
  std::error_code ec;
  if (fs::exists(export_dir / "model.safetensors", ec)) {
    std::map<std::string, at::Tensor> file;
    for (auto& [name, t] : read_safetensors(export_dir / "model.safetensors")) file[name] = t;
    return {export_dir / "model.safetensors", std::move(file)};
  }
  for (const char* name : {"model.pth", "model.pt"})
    if (fs::exists(export_dir / name, ec)) return {export_dir / name, read_torch_state_dict(export_dir / name)};
  throw Error("import: '" + export_dir.string() +
              "' has no weights: model.safetensors, or model.pth saved with "
              "torch.save(model.state_dict(), ...)");
}

/// Copies the file's tensors into the exported tensors of a network (views of its own
/// tensors): every name must be there with the right shape and dtype, and nothing else.
void fill(const NamedTensors& targets, std::map<std::string, at::Tensor> file, const fs::path& weights_file) {
  at::NoGradGuard no_grad;
  for (const auto& [name, target] : targets) {
    auto it = file.find(name);
    if (it == file.end()) throw Error("import: '" + weights_file.string() + "' has no tensor '" + name + "'");
    if (it->second.sizes() != target.sizes() || it->second.scalar_type() != target.scalar_type())
      throw Error("import: tensor '" + name + "' has shape " + c10::str(it->second.sizes()) + " " +
                  c10::toString(it->second.scalar_type()) + ", the network built from config.json needs " +
                  c10::str(target.sizes()) + " " + c10::toString(target.scalar_type()));
    target.copy_(it->second.to(target.device()));
    file.erase(it);
  }
  if (!file.empty())
    throw Error("import: '" + weights_file.string() + "' has tensors the network does not (" + file.begin()->first +
                (file.size() > 1 ? ", ..." : "") + "): another genotype or size?");
}

/// A darts-eval config.json written by hand (weights trained with quark0's code): the
/// network is built from its sizes and genotype, and the exporter's mapping run on it.
ImportResult import_darts_eval_by_building(const Json& c, const fs::path& export_dir, const fs::path& model_file) {
  Json card;
  card["config"] = card_config(c);
  const Genotype g = genotype_from_json(c.at("genotype"));
  card["genotype"] = to_json(g);

  // Build the network and map its own tensors (aliases: copying into them fills the network).
  const Json& cc = card["config"];
  nn::EvalNetworkOptions o;
  o.in_channels = cc["in_channels"];
  o.input_height = cc["input_height"];
  o.input_width = cc["input_width"];
  o.num_outputs = cc["num_outputs"];
  o.channels = cc["channels"];
  o.layers = cc["layers"];
  o.stem_multiplier = cc["stem_multiplier"];
  o.auxiliary = cc["auxiliary"];
  nn::DartsEvalNetwork net(o, g, std::make_shared<nn::DartsOperationSet>());
  std::map<std::string, at::Tensor> own;
  for (const auto& p : net->named_parameters()) own[p.key()] = p.value();
  for (const auto& b : net->named_buffers()) own[b.key()] = b.value();
  WeightMap w(model_file, own, {});
  const ExportedModel ex = export_darts_eval(card, w);
  w.expect_all_used();
  auto [weights_file, file] = read_weights(export_dir);
  fill(ex.weights, std::move(file), weights_file);

  torch::serialize::OutputArchive archive;
  net->save(archive);
  archive.write("genotype", c10::IValue(to_json(g).dump()));  // as the darts-eval trainer writes it
  fs::create_directories(fs::absolute(model_file).parent_path());
  save_archive_atomically(archive, model_file);
  const int64_t params = net->param_count_without_aux();
  write_model_card(model_file, kModelDartsEval, cc, g, params);
  return {model_file, kModelDartsEval, static_cast<int64_t>(ex.weights.size()), params};
}

/// Any network nashost exported: config.json keeps the model file's tensor list
/// (nashost.model), so the file is rebuilt from zeros of those shapes and the exporter's
/// own mapping is run on it; its exported tensors are views of the file's tensors, so
/// copying the weights in fills the file. Tensors the export leaves out (the candidate ops
/// a one-hot network never runs) stay zero.
ImportResult import_by_description(const Json& c, const fs::path& config_file, const fs::path& export_dir,
                                   const fs::path& model_file) {
  const std::string network = c.value("network", "");
  const Json& model = c.at("nashost").at("model");
  if (!model.contains("config") || !model["config"].is_object())
    throw Error("import: '" + config_file.string() + "': nashost.model has no config object");
  WeightMap w = WeightMap::from_description(model, config_file.string());
  const Genotype g = genotype_from_json(c.at("genotype"));
  const Json card{{"network", network}, {"config", model["config"]}, {"genotype", to_json(g)}};
  const Exporter exporter = exporter_for(network, config_file.string());
  ExportedModel ex;
  try {
    ex = exporter(card, w);
  } catch (const Json::exception& e) {
    throw Error("import: '" + config_file.string() + "' lacks what network '" + network + "' needs: " + e.what());
  }
  w.expect_all_used();
  auto [weights_file, file] = read_weights(export_dir);
  const std::map<std::string, at::Tensor> given = file;
  fill(ex.weights, std::move(file), weights_file);

  // The inverse must be exact: exporting the rebuilt file gives back every given tensor.
  WeightMap again(model_file, w.tensors(), {});
  for (const auto& [name, t] : exporter(card, again).weights)
    if (!at::equal(t, given.at(name).to(t.device())))
      throw Error("import: tensor '" + name + "' does not round-trip through network '" + network +
                  "' (an exporter that copies instead of viewing: a nashost bug)");

  fs::create_directories(fs::absolute(model_file).parent_path());
  w.save(model_file);
  const int64_t params = c.value("params", model.value("params", int64_t{0}));
  write_model_card(model_file, network, model["config"], g, params);
  return {model_file, network, static_cast<int64_t>(ex.weights.size()), params};
}

}  // namespace

ImportResult import_model(const fs::path& export_dir, const fs::path& model_file) {
  const fs::path config_file = export_dir / "config.json";
  const Json c = parse_json_text(read_text_file(config_file), config_file.string());
  if (!c.is_object() || c.value("format", "") != "nashost-export")
    throw Error("import: '" + config_file.string() + "' is not a nashost export config");
  const std::string network = c.value("network", "");
  if (c.contains("nashost") && c["nashost"].is_object() && c["nashost"].contains("model"))
    return import_by_description(c, config_file, export_dir, model_file);
  if (network == kModelDartsEval) return import_darts_eval_by_building(c, export_dir, model_file);
  exporter_for(network, config_file.string());  // an unknown network says so
  throw Error("import: '" + config_file.string() + "' describes a '" + network +
              "' network but has no nashost.model (the model file's tensor list that `nashost export` writes); "
              "start from a config.json that nashost export wrote for this network");
}

}  // namespace nas::host
