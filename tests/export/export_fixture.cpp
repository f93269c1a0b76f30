// Trains one tiny model with nashost's real trainer, exports it (framework/src/export), and
// writes beside the export what nashost itself computes on a fixed input, so that
// check_export.py can compare the PyTorch rebuild (python/nashost_torch) with it:
//   export_fixture NETWORK OUT
//     OUT/run/train/<label>/model.{pt,json}   the trained model
//     OUT/export/                              nashost export of it
//     OUT/reference.safetensors                input, nashost's logits (eval mode);
//                                              metadata: network, params (as reported)
// The nashost logits come from the model file reloaded the way nashost loads it, in eval
// mode, in the default (CPU: channels-last) layout.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <numeric>
#include <map>
#include <random>

#include <ATen/ATen.h>
#include <torch/serialize/input-archive.h>
#include <torch/utils.h>

#include "cnn/micro/micro_arc.hpp"
#include "cnn/cnn_trainers.hpp"
#include "cnn/cnn_training.hpp"
#include "rnn/rnn_dag.hpp"
#include "darts_eval_trainer.hpp"
#include "enas_cnn_ops.hpp"
#include "enas_rnn_ops.hpp"
#include "rnn/rnn_options.hpp"
#include "rnn/rnn_search.hpp"
#include "export/model_export.hpp"
#include "export/safetensors.hpp"
#include "export/weight_map.hpp"
#include "cnn/macro/macro_arc.hpp"
#include "rnn/rnn_model_file.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/json_text.hpp"
#include "nashost/model_card.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/io.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "nashost/support/remove_tree.hpp"
#include "nashost/support/standalone_context.hpp"
#include "one_hot_trainer.hpp"
#include "rnn/rnn_trainers.hpp"
#include "rnn/token_dataset.hpp"

namespace fs = std::filesystem;
using nas::Json;

namespace {

/// Class k = a bright patch at a class-specific place on noise; deterministic loaders.
class Images final : public nas::Dataset {
 public:
  Images(int64_t channels, int64_t side, int64_t classes = 4, int64_t per_split = 24) {
    info_.name = "export-images";
    info_.input_shape = {channels, side, side};
    info_.num_outputs = classes;
    info_.synthetic = true;
    info_.source = "synthetic";
    at::Generator gen = at::detail::createCPUGenerator(1234);
    for (int s = 0; s < 4; ++s) {
      y_[s] = at::arange(per_split, at::kLong).remainder(classes);
      x_[s] = at::randn({per_split, channels, side, side}, gen) * 0.3;
      for (int64_t i = 0; i < per_split; ++i) {
        const int64_t k = y_[s][i].item<int64_t>(), r = (k * 2) % (side - 2);
        x_[s][i].slice(1, r, r + 2).slice(2, r, r + 2).add_(2.0);
      }
    }
  }
  const nas::DatasetInfo& info() const override { return info_; }
  int64_t size(nas::Split split) const override { return x_[static_cast<int>(split)].size(0); }
  std::unique_ptr<nas::BatchLoader> loader(nas::Split split, const nas::LoaderOptions& o) override {
    return std::make_unique<Loader>(x_[static_cast<int>(split)], y_[static_cast<int>(split)], o);
  }

 private:
  class Loader final : public nas::BatchLoader {
   public:
    Loader(at::Tensor x, at::Tensor y, nas::LoaderOptions o) : x_(std::move(x)), y_(std::move(y)), o_(o) {}
    int64_t batches_per_epoch() const override { return (x_.size(0) + o_.batch_size - 1) / o_.batch_size; }
    void start_epoch(int64_t epoch) override {
      order_.resize(static_cast<size_t>(x_.size(0)));
      std::iota(order_.begin(), order_.end(), 0);
      if (o_.shuffle)
        std::shuffle(order_.begin(), order_.end(), std::mt19937_64(o_.seed * 7919 + static_cast<uint64_t>(epoch)));
      pos_ = 0;
    }
    std::optional<nas::Batch> next() override {
      if (pos_ >= static_cast<int64_t>(order_.size())) return std::nullopt;
      const int64_t end = std::min<int64_t>(pos_ + o_.batch_size, static_cast<int64_t>(order_.size()));
      const at::Tensor idx = at::tensor(std::vector<int64_t>(order_.begin() + pos_, order_.begin() + end), at::kLong);
      pos_ = end;
      return nas::Batch{x_.index_select(0, idx).to(o_.device), y_.index_select(0, idx).to(o_.device)};
    }

   private:
    at::Tensor x_, y_;
    nas::LoaderOptions o_;
    std::vector<int64_t> order_;
    int64_t pos_ = 0;
  };
  nas::DatasetInfo info_;
  at::Tensor x_[4], y_[4];
};

Json card_of(const fs::path& model_file) {
  return nas::parse_json_text(nas::read_text_file(model_file.parent_path() / "model.json"), "model.json");
}

at::Tensor image_input(const nas::DatasetInfo& info) {
  at::Generator gen = at::detail::createCPUGenerator(99);
  std::vector<int64_t> shape{3};
  shape.insert(shape.end(), info.input_shape.begin(), info.input_shape.end());
  return at::randn(shape, gen);
}

/// What nashost computes on `input` with the model file, loaded the way nashost loads it
/// (sizes and genotype from model.json), in eval mode.
at::Tensor logits_of(const fs::path& model_file, const at::Tensor& input, nas::StandaloneContext& ctx) {
  const Json card = card_of(model_file);
  const std::string network = card.at("network");
  const Json& c = card.at("config");
  const nas::Genotype g = nas::genotype_from_json(card.at("genotype"));
  at::NoGradGuard no_grad;
  if (network == nas::kModelDartsEval) {
    nas::nn::EvalNetworkOptions o;
    o.in_channels = c.at("in_channels");
    o.input_height = c.at("input_height");
    o.input_width = c.at("input_width");
    o.num_outputs = c.at("num_outputs");
    o.channels = c.at("channels");
    o.layers = c.at("layers");
    o.stem_multiplier = c.at("stem_multiplier");
    o.auxiliary = c.at("auxiliary");
    nas::nn::DartsEvalNetwork net(o, g, ctx.operation_set("darts"));
    torch::serialize::InputArchive archive;
    archive.load_from(model_file.string());
    net->load(archive);
    net->eval();
    return net->forward(input).first;
  }
  if (network == nas::kModelDartsCcOneHot) {
    nas::nn::SearchNetworkOptions so;
    so.in_channels = c.at("in_channels");
    so.num_outputs = c.at("num_outputs");
    so.channels = c.at("channels");
    so.layers = c.at("layers");
    so.nodes = c.at("nodes");
    so.stem_multiplier = c.at("stem_multiplier");
    auto ops = ctx.operation_set("darts");
    nas::nn::DartsSearchNetwork net(so, ops);
    torch::serialize::InputArchive archive;
    archive.load_from(model_file.string());
    net->load(archive);
    net->eval();
    const auto choice = nas::darts_cc::one_hot_choice(g, ops->ops(), so.nodes);
    return net->forward_discrete(input, choice.normal, choice.reduce);
  }
  if (network == nas::kModelEnasRnn) {
    auto model = nas::enas::load_shared_model(model_file, *ctx.operation_set("enas-rnn"), c10::Device(c10::kCPU));
    model->eval();
    return model->forward(input, model->init_hidden(input.size(1)), g.dag).logits;  // [T*B, V]
  }
  if (network == nas::kModelEnasCnnMicro) {
    auto model = nas::enas::load_shared_cnn(model_file, *ctx.operation_set("enas-cnn"), c10::Device(c10::kCPU));
    model->eval();
    return model->forward(input, false);
  }
  if (network == nas::kModelEnasCnnMacro) {
    auto model = nas::enas::load_macro_cnn(model_file, c10::Device(c10::kCPU));
    model->eval();
    return model->forward(input, false);
  }
  throw nas::Error("unknown network '" + network + "'");
}

struct Reference {
  nas::TrainResult trained;
  at::Tensor input, logits;
};

// Every op type of the "darts" set, in both cells, and an auxiliary head.
Reference darts_eval(nas::StandaloneContext& ctx) {
  Images data(3, 24);
  const nas::Genotype g = nas::parse_darts_text(
      "Genotype(normal=[('sep_conv_5x5', 0), ('dil_conv_5x5', 1), ('avg_pool_3x3', 0), ('skip_connect', 2), "
      "('sep_conv_3x3', 1), ('none', 0), ('dil_conv_3x3', 3), ('max_pool_3x3', 2)], normal_concat=[2, 3, 4, 5], "
      "reduce=[('skip_connect', 0), ('sep_conv_3x3', 1), ('dil_conv_5x5', 0), ('avg_pool_3x3', 2), "
      "('max_pool_3x3', 1), ('sep_conv_5x5', 3), ('none', 1), ('dil_conv_3x3', 0)], reduce_concat=[2, 3, 4, 5])");
  const nas::Config o = nas::Config::validated(Json{{"epochs", 1},
                                                    {"batch_size", 8},
                                                    {"channels", 4},
                                                    {"layers", 3},
                                                    {"auxiliary", true},
                                                    {"cutout", 0},
                                                    {"augment", false},
                                                    {"max_steps_per_epoch", 2},
                                                    {"train_split", "train"},
                                                    {"label", "searched"}},
                                               nas::darts::eval_options(), "train");
  nas::darts::DartsEvalTrainer trainer(o, ctx);
  Reference ref;
  ref.trained = trainer.train(g, data);
  ref.input = image_input(data.info());
  ref.logits = logits_of(ref.trained.model_file, ref.input, ctx);
  return ref;
}

Reference darts_cc_one_hot(nas::StandaloneContext& ctx) {
  Images data(1, 8);
  auto g = nas::genotype_from_darts_cc_json(
      Json::parse("[[[4,3],[3,4,4],[7,3,2,7],[2,1,1,1,2]],[[3,4],[1,6,2],[4,6,6,2],[0,1,6,6,4]]]"));
  g.meta["label"] = "lambda0";
  const nas::Config o = nas::Config::validated(Json{{"layers", 3},
                                                    {"channels", 4},
                                                    {"epochs", 1},
                                                    {"batch_size", 8},
                                                    {"cutout", 0},
                                                    {"augment", false},
                                                    {"max_steps_per_epoch", 2}},
                                               nas::darts_cc::one_hot_options(), "train");
  nas::darts_cc::OneHotTrainer trainer(o, ctx);
  Reference ref;
  ref.trained = trainer.train(g, data);
  ref.input = image_input(data.info());
  ref.logits = logits_of(ref.trained.model_file, ref.input, ctx);
  return ref;
}

Reference enas_rnn(nas::StandaloneContext& ctx) {
  auto data = nas::enas::TokenDataset::random(20, 600, 200, 200, 5);
  const nas::Genotype g =
      nas::enas::dag_genotype({{"tanh", -1}, {"ReLU", 0}, {"identity", 0}, {"sigmoid", 1}, {"tanh", 3}, {"ReLU", 1}});
  const nas::Config o = nas::Config::validated(Json{{"epochs", 1},
                                                    {"max_steps_per_epoch", 3},
                                                    {"embed", 8},
                                                    {"hidden", 8},
                                                    {"batch_size", 4},
                                                    {"eval_batch_size", 4},
                                                    {"bptt", 5},
                                                    {"label", "cell"}},
                                               nas::enas::rnn_scratch_options(), "train");
  nas::enas::EnasRnnScratchTrainer trainer(o, ctx);
  Reference ref;
  ref.trained = trainer.train(g, *data);
  at::Generator gen = at::detail::createCPUGenerator(99);
  ref.input = at::randint(0, 20, {7, 3}, gen, at::kLong);  // [T, B]
  ref.logits = logits_of(ref.trained.model_file, ref.input, ctx);
  return ref;
}

nas::Config cnn_options(const std::string& label) {
  return nas::Config::validated(Json{{"epochs", 1},
                                     {"max_steps_per_epoch", 2},
                                     {"channels", 4},
                                     {"num_layers", 3},
                                     {"batch_size", 8},
                                     {"eval_batch_size", 8},
                                     {"augment", false},
                                     {"auxiliary", true},
                                     {"train_split", "train"},
                                     {"label", label}},
                                nas::enas::cnn_scratch_options(), "train");
}

Reference enas_cnn_micro(nas::StandaloneContext& ctx) {
  Images data(3, 24);
  nas::enas::CnnArc arc;
  arc.normal.seq = {0, 0, 1, 4, 2, 1, 0, 2};  // sep3(c0) + identity(c1); sep5(n0) + avg(c0)
  arc.reduce.seq = {0, 3, 0, 4, 2, 4, 2, 1};  // max(c0) + identity at stride 2 (c0); identity(n0) + sep5(n0)
  auto ops = ctx.operation_set("enas-cnn");
  const nas::Genotype g = nas::enas::arc_genotype(arc, ops->ops());
  nas::enas::EnasCnnScratchTrainer trainer(cnn_options("micro"), ctx);
  Reference ref;
  ref.trained = trainer.train(g, data);
  ref.input = image_input(data.info());
  ref.logits = logits_of(ref.trained.model_file, ref.input, ctx);
  return ref;
}

Reference enas_cnn_macro(nas::StandaloneContext& ctx) {
  Images data(3, 24);
  // 6 layers, every op once, skips of both kinds
  const auto arc = nas::enas::macro_from_seq({0, 1, 1, 2, 0, 1, 3, 1, 0, 1, 4, 0, 0, 1, 1, 5, 1, 1, 0, 0, 1}, 6);
  const nas::Genotype g = nas::enas::macro_genotype(arc);
  nas::enas::EnasCnnScratchTrainer trainer(cnn_options("macro"), ctx);
  Reference ref;
  ref.trained = trainer.train(g, data);
  ref.input = image_input(data.info());
  ref.logits = logits_of(ref.trained.model_file, ref.input, ctx);
  return ref;
}

}  // namespace

/// export_fixture compare A B: the two model files hold the same tensors, bit for bit.
int compare(const fs::path& a, const fs::path& b) {
  const auto wa = nas::host::WeightMap::read(a), wb = nas::host::WeightMap::read(b);
  if (wa.tensors().size() != wb.tensors().size()) throw nas::Error("different tensor counts");
  for (const auto& [name, t] : wa.tensors()) {
    auto it = wb.tensors().find(name);
    if (it == wb.tensors().end()) throw nas::Error(b.string() + " lacks " + name);
    if (!at::equal(t, it->second)) throw nas::Error("tensor " + name + " differs");
  }
  if (wa.string_entry("genotype") != wb.string_entry("genotype")) throw nas::Error("genotypes differ");
  std::printf("same tensors: %zu\n", wa.tensors().size());
  return 0;
}

void add_operation_sets(nas::StandaloneContext& ctx) {
  ctx.add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  ctx.add_operation_set("enas-rnn", std::make_shared<nas::enas::EnasRnnOperationSet>());
  ctx.add_operation_set("enas-cnn", std::make_shared<nas::enas::EnasCnnOperationSet>());
}

/// export_fixture check-logits MODEL EXPECTED: nashost's logits with the model file equal
/// EXPECTED's "logits" on its "input" (what PyTorch computed with the weights imported).
int check_logits(const fs::path& model_file, const fs::path& expected_file) {
  std::map<std::string, at::Tensor> expected;
  for (auto& [name, t] : nas::host::read_safetensors(expected_file)) expected[name] = t;
  nas::StandaloneContext ctx(fs::absolute(model_file).parent_path() / "check-run", 1);
  add_operation_sets(ctx);
  const at::Tensor logits = logits_of(model_file, expected.at("input"), ctx).reshape(expected.at("logits").sizes());
  const double diff = (logits - expected.at("logits")).abs().max().item<double>();
  if (!(diff <= 1e-5)) throw nas::Error("logits differ from PyTorch's by " + std::to_string(diff));
  std::printf("OK imported %s: max |logit difference| %.2e\n",
              card_of(model_file).at("network").get<std::string>().c_str(), diff);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "check-logits") {
    try {
      return check_logits(argv[2], argv[3]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "export_fixture check-logits: %s\n", e.what());
      return 1;
    }
  }
  if (argc == 4 && std::string(argv[1]) == "compare") {
    try {
      return compare(argv[2], argv[3]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "export_fixture compare: %s\n", e.what());
      return 1;
    }
  }
  if (argc != 3) {
    std::fprintf(stderr,
                 "usage: export_fixture darts-eval|darts-cc-one-hot|enas-rnn|enas-cnn-micro|enas-cnn-macro OUT\n");
    return 2;
  }
  try {
    const std::string network = argv[1];
    const fs::path out = fs::absolute(argv[2]);
    nas::remove_tree(out);
    fs::create_directories(out);
    torch::manual_seed(1);
    nas::StandaloneContext ctx(out / "run", 1);
    add_operation_sets(ctx);
    Reference ref;
    if (network == "darts-eval")
      ref = darts_eval(ctx);
    else if (network == "darts-cc-one-hot")
      ref = darts_cc_one_hot(ctx);
    else if (network == "enas-rnn")
      ref = enas_rnn(ctx);
    else if (network == "enas-cnn-micro")
      ref = enas_cnn_micro(ctx);
    else if (network == "enas-cnn-macro")
      ref = enas_cnn_macro(ctx);
    else
      throw nas::Error("unknown network '" + network + "'");
    const auto exported = nas::host::export_model(ref.trained.model_file, out / "export");
    nas::host::write_safetensors(out / "reference.safetensors",
                                 {{"input", ref.input}, {"logits", ref.logits.detach().contiguous()}},
                                 {{"network", network},
                                  {"params", std::to_string(ref.trained.params)},
                                  {"model_dir", ref.trained.model_file.parent_path().string()}});
    std::printf("%s: %lld parameters, exported %lld tensors to %s\n", network.c_str(),
                static_cast<long long>(ref.trained.params), static_cast<long long>(exported.tensors),
                exported.dir.string().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "export_fixture: %s\n", e.what());
    return 1;
  }
}
