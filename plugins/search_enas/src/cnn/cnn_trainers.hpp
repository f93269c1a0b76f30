#pragma once
// Trainers for ENAS CNN genotypes (space "enas-cnn", and "enas-cnn-macro" for the macro
// space: its final network doubles the width at each reduction and has no drop path, so
// drop_path_keep does not apply; auxiliary / aux_weight do, as for micro):
//  - enas-cnn-scratch: builds the fixed network of the derived cells (authors' micro_child
//    with a fixed arc: only the chosen ops exist) and trains it from scratch with the
//    authors' final recipe (Nesterov SGD, cosine with warm restarts, drop path scaled by
//    depth and training progress, dropout before the classifier); reports test accuracy;
//  - enas-cnn-eval: evaluates a genotype with the shared weights of a search
//    (search/shared_model.pt) on the valid and test splits, without training.
#include <filesystem>

#include "cnn/cnn_training.hpp"
#include "nashost/context.hpp"
#include "nashost/strategy.hpp"

namespace nas::enas {

OptionList cnn_scratch_options();
OptionList cnn_eval_options();

class EnasCnnScratchTrainer final : public Trainer {
 public:
  EnasCnnScratchTrainer(const Config& options, HostContext& ctx);
  int64_t count_params(const Genotype& genotype, Dataset& data) override;
  TrainResult train(const Genotype& genotype, Dataset& data) override;

 private:
  Config options_;
  HostContext& ctx_;
};

class EnasCnnEvalTrainer final : public Trainer {
 public:
  EnasCnnEvalTrainer(const Config& options, HostContext& ctx);
  int64_t count_params(const Genotype& genotype, Dataset& data) override;
  TrainResult train(const Genotype& genotype, Dataset& data) override;

 private:
  TrainResult train_macro(const Genotype& genotype, Dataset& data);
  /// Valid and test accuracy of a loaded search model run by `forward` (eval_batch_size,
  /// max_eval_batches), reported with `params` and the model file.
  TrainResult evaluate_loaded(const ImageForward& forward, int64_t params, const std::filesystem::path& file,
                              Dataset& data) const;

  Config options_;
  HostContext& ctx_;
};

}  // namespace nas::enas
