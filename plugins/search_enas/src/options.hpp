#pragma once
// Option lists of the ENAS components (defaults = carpedm20 config.py / the spec's values,
// with the fork's bugs fixed: shared_lr and the decay schedule are honoured).
#include "nashost/config.hpp"
#include "shared_rnn.hpp"

namespace nas::enas {

OptionList search_options();
/// Replaces the "auto" defaults of the search options by the values for the chosen
/// network (rnn: carpedm20; cnn: the authors' micro search). Idempotent.
Config resolve_network_defaults(const Config& options);
OptionList derive_options();
OptionList scratch_options();
OptionList eval_options();

/// The search loop's settings that the RNN and the CNN search share, read and checked
/// (ConfigError naming the key for a negative step count, sample counts below 1 or an
/// unknown entropy_mode).
struct SearchLoop {
  int64_t epochs = 0, shared_steps = 0, controller_steps = 0, num_sample = 1, derive_samples = 1, log_step = 1;
  double entropy_coeff = 0, controller_clip = 0;
  bool eval_full_valid = false;
  bool entropy_in_reward = true;  ///< entropy_mode = "reward" (else a regulariser on the loss)
  static SearchLoop from(const Config& options);
};

/// The shared-model part of a validated options view (vocab from the dataset).
SharedRnnConfig shared_config_from(const Config& options, int64_t vocab, int num_blocks);

}  // namespace nas::enas
