#pragma once
// Trainers for ENAS RNN genotypes:
//  - enas-rnn-scratch: fresh weights, trains the derived DAG alone (fork train_scratch:
//    all shared weights re-initialised), keeps the best epoch on full validation ppl and
//    reports valid_ppl / test_ppl of it;
//  - enas-rnn-eval: loads a shared-model file (search/shared_model.pt) and evaluates a
//    (possibly edited) DAG on the full valid and test sets without training — what the
//    ablation scripts use.
#include "nashost/context.hpp"
#include "nashost/strategy.hpp"
#include "rnn/rnn_shared_training.hpp"

namespace nas::enas {

class EnasRnnScratchTrainer final : public Trainer {
 public:
  EnasRnnScratchTrainer(const Config& options, HostContext& ctx);
  int64_t count_params(const Genotype& genotype, Dataset& data) override;
  TrainResult train(const Genotype& genotype, Dataset& data) override;

 private:
  Config options_;
  HostContext& ctx_;
};

class EnasRnnEvalTrainer final : public Trainer {
 public:
  EnasRnnEvalTrainer(const Config& options, HostContext& ctx);
  int64_t count_params(const Genotype& genotype, Dataset& data) override;
  TrainResult train(const Genotype& genotype, Dataset& data) override;

 private:
  Config options_;
  HostContext& ctx_;
};

}  // namespace nas::enas
