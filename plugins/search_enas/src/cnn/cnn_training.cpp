#include "cnn/cnn_training.hpp"

#include <cmath>

#include <ATen/ATen.h>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "nashost/error.hpp"
#include "common/model_archive.hpp"
#include "nashost/io.hpp"

namespace nas::enas {

double cosine_restart_lr(int64_t epoch, double lr_max, double lr_min, int64_t t0, int64_t t_mul) {
  int64_t start = 0, t = std::max<int64_t>(1, t0);
  while (epoch >= start + t) {
    start += t;
    t *= std::max<int64_t>(1, t_mul);
  }
  const double rate = static_cast<double>(epoch - start) / static_cast<double>(t) * M_PI;
  return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + std::cos(rate));
}

Batch CyclingLoader::next() {
  if (!started_) {
    loader_->start_epoch(epoch_);
    for (int64_t k = 0; k < pos_; ++k)
      if (!loader_->next()) break;
    started_ = true;
  }
  std::optional<Batch> b = loader_->next();
  if (!b) {
    ++epoch_;
    pos_ = 0;
    loader_->start_epoch(epoch_);
    b = loader_->next();
    if (!b) throw DataError("enas: a data split yields no batches (is it empty or smaller than one batch?)");
  }
  ++pos_;
  return std::move(*b);
}

void CyclingLoader::set_position(int64_t epoch, int64_t position) {
  epoch_ = epoch;
  pos_ = position;
  started_ = false;
}

at::Tensor classification_loss(const at::Tensor& logits, const at::Tensor& aux, const at::Tensor& target,
                               double aux_weight) {
  at::Tensor loss = at::cross_entropy_loss(logits, target);
  if (aux.defined()) loss = loss + aux_weight * at::cross_entropy_loss(aux, target);
  return loss;
}

Accuracy batch_accuracy(const at::Tensor& logits, const at::Tensor& target) {
  Accuracy a;
  a.examples = target.size(0);
  a.loss = at::cross_entropy_loss(logits, target).item<double>();
  a.accuracy = logits.argmax(1).eq(target).to(at::kDouble).mean().item<double>();
  return a;
}

Accuracy evaluate_accuracy(const ImageForward& forward, BatchLoader& loader, int64_t max_eval_batches) {
  at::NoGradGuard no_grad;
  loader.start_epoch(0);
  double correct = 0, loss = 0;
  int64_t n = 0, batches = 0;
  while (auto b = loader.next()) {
    at::Tensor logits = forward(b->input);
    const int64_t k = b->target.size(0);
    correct += logits.argmax(1).eq(b->target).sum().item<double>();
    loss += at::cross_entropy_loss(logits, b->target).item<double>() * static_cast<double>(k);
    n += k;
    if (max_eval_batches > 0 && ++batches >= max_eval_batches) break;
  }
  Accuracy a;
  a.examples = n;
  if (n > 0) {
    a.accuracy = correct / static_cast<double>(n);
    a.loss = loss / static_cast<double>(n);
  }
  return a;
}

void save_shared_cnn(SharedCnnImpl& model, const std::vector<std::string>& op_names,
                     const std::filesystem::path& file) {
  Json meta{
      {"format", "nashost-enas-shared-cnn"}, {"version", 1}, {"config", model.config().to_json()}, {"ops", op_names}};
  if (model.fixed_arc()) meta["arc"] = arc_to_json(*model.fixed_arc());
  write_model_archive(model, meta, file);
}

SharedCnn load_shared_cnn(const std::filesystem::path& file, const OperationSet& ops, c10::Device device) {
  SharedCnn model(nullptr);
  read_model_archive(file, device, "nashost-enas-shared-cnn", "ENAS CNN model file",
                     "the enas strategy with network = \"cnn\" writes search/shared_model.pt in its run directory",
                     [&](torch::serialize::InputArchive& archive, const Json& meta) {
                       if (meta.at("ops").get<std::vector<std::string>>() != ops.ops())
                         throw Error("'" + file.string() + "' was written with ops " + meta.at("ops").dump() +
                                     ", the operation set has others");
                       std::optional<CnnArc> arc;
                       if (meta.contains("arc")) arc = arc_from_json(meta["arc"]);
                       model = SharedCnn(SharedCnnConfig::from_json(meta.at("config")), ops, arc);
                       read_model_weights(archive, *model, device);
                     });
  return model;
}

namespace {
constexpr const char* kMacroFormat = "nashost-enas-macro-cnn";
constexpr const char* kWrittenBy =
    "the enas strategy with network = \"cnn\" writes search/shared_model.pt in its run directory";
}  // namespace

void save_macro_cnn(MacroCnnImpl& model, const std::filesystem::path& file) {
  Json meta{{"format", kMacroFormat}, {"version", 1}, {"config", model.config().to_json()}};
  if (model.fixed_arc()) meta["arc"] = macro_to_seq(*model.fixed_arc());
  write_model_archive(model, meta, file);
}

MacroCnn load_macro_cnn(const std::filesystem::path& file, c10::Device device) {
  MacroCnn model(nullptr);
  read_model_archive(file, device, kMacroFormat, "ENAS macro CNN model file", kWrittenBy,
                     [&](torch::serialize::InputArchive& archive, const Json& meta) {
                       const MacroCnnConfig config = MacroCnnConfig::from_json(meta.at("config"));
                       std::optional<MacroArc> arc;
                       if (meta.contains("arc"))
                         arc = macro_from_seq(meta["arc"].get<std::vector<int>>(), static_cast<int>(config.num_layers));
                       model = MacroCnn(config, arc);
                       read_model_weights(archive, *model, device);
                     });
  return model;
}

}  // namespace nas::enas
