#pragma once
// Option lists of the ENAS RNN components (defaults = carpedm20 config.py, with the fork's
// bugs fixed: shared_lr and the decay schedule are honoured) and the shared-model sizes
// read from them.
#include <string>

#include "nashost/config.hpp"
#include "rnn/shared_rnn.hpp"

namespace nas::enas {

/// Appends `b` to `a`.
void append_options(OptionList& a, const OptionList& b);

/// The shared RNN's sizes and regularisation, and the batch/BPTT shape (search and trainers).
OptionList rnn_model_options();
/// The shared weights' optimiser: `optim` (sgd or adam) at `lr`, decay schedule, clipping.
OptionList rnn_training_options(double lr, const std::string& optim);
/// The "enas-rnn-scratch" trainer.
OptionList rnn_scratch_options();
/// The "enas-rnn-eval" trainer.
OptionList rnn_eval_options();

/// The shared-model part of a validated options view (vocab from the dataset).
SharedRnnConfig shared_config_from(const Config& options, int64_t vocab, int num_blocks);

}  // namespace nas::enas
