#pragma once
// Pieces shared by the ENAS CNN search and its trainers: the authors' cosine schedule with
// warm restarts, a loader that cycles over epochs with a resumable position, SGD for the
// child weights, and accuracy over a split.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

#include "cnn/micro/micro_arc.hpp"
#include "cnn/macro/macro_cnn.hpp"
#include "nashost/dataset.hpp"
#include "cnn/micro/micro_cnn.hpp"

namespace nas::enas {

/// Authors' child lr (micro_child, lr_cosine): restart periods T0, T0*Tmul, ...; within a
/// period lr = lr_min + (lr_max - lr_min) (1 + cos(pi * t / T)) / 2, t = epochs into it.
double cosine_restart_lr(int64_t epoch, double lr_max, double lr_min, int64_t t0, int64_t t_mul);

/// Batches of one split, epoch after epoch; (epoch, position) survive a checkpoint: after
/// set_position() the next call restarts that loader epoch and skips `position` batches.
class CyclingLoader {
 public:
  explicit CyclingLoader(std::unique_ptr<BatchLoader> loader) : loader_(std::move(loader)) {}
  Batch next();
  int64_t epoch() const { return epoch_; }
  int64_t position() const { return pos_; }
  void set_position(int64_t epoch, int64_t position);
  int64_t batches_per_epoch() const { return loader_->batches_per_epoch(); }

 private:
  std::unique_ptr<BatchLoader> loader_;
  int64_t epoch_ = 0, pos_ = 0;
  bool started_ = false;
};

struct Accuracy {
  double accuracy = 0, loss = 0;
  int64_t examples = 0;
};
/// Logits of a batch of images (a network with its architecture; no dropout).
using ImageForward = std::function<at::Tensor(const at::Tensor&)>;
/// Runs `forward` over one epoch of `loader` (max_eval_batches 0 = all), no grad, in whatever
/// train/eval mode its network is in.
Accuracy evaluate_accuracy(const ImageForward& forward, BatchLoader& loader, int64_t max_eval_batches = 0);
/// Accuracy and loss of one batch.
Accuracy batch_accuracy(const at::Tensor& logits, const at::Tensor& target);
/// Training loss of a child network: cross entropy of `logits`, plus aux_weight x that of
/// `aux` when it is defined (the auxiliary head's logits; the search and the scratch
/// trainer add it the same way).
at::Tensor classification_loss(const at::Tensor& logits, const at::Tensor& aux, const at::Tensor& target,
                               double aux_weight);

/// The shared-model file (search/shared_model.pt): config, op names and (fixed networks)
/// the arc, plus the weights; written atomically. enas-cnn-eval loads it.
void save_shared_cnn(SharedCnnImpl& model, const std::vector<std::string>& op_names, const std::filesystem::path& file);
/// Throws nas::Error naming the file when it is missing, not an ENAS CNN model, or was
/// written with other op names.
SharedCnn load_shared_cnn(const std::filesystem::path& file, const OperationSet& ops, c10::Device device);

/// The same for the macro space (format "nashost-enas-macro-cnn"): config and (fixed
/// networks) the arc's flat sequence, plus the weights.
void save_macro_cnn(MacroCnnImpl& model, const std::filesystem::path& file);
MacroCnn load_macro_cnn(const std::filesystem::path& file, c10::Device device);

}  // namespace nas::enas
