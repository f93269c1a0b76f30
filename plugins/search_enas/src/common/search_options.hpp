#pragma once
// Option lists of the ENAS search components: one per search space ("enas-rnn",
// "enas-cnn", "enas-cnn-macro"), each declaring only the options its space reads with that
// space's defaults, and the deprecated "enas" component that declares all of them and picks
// the space with `network` and `cnn_space` ("auto" defaults resolved per space). Defaults:
// carpedm20 config.py for the RNN (the fork's bugs fixed: shared_lr and the decay schedule
// are honoured), the authors' micro search script for the micro space, docs/methods.md
// (ENAS) for the macro space.
#include <cstdint>

#include "nashost/config.hpp"

namespace nas::enas {

enum class SearchSpace { Rnn = 0, CnnMicro = 1, CnnMacro = 2 };
/// The component that searches `space`: "enas-rnn", "enas-cnn" or "enas-cnn-macro" (the
/// names of the genotype spaces they write).
const char* strategy_name(SearchSpace space);

/// The options of the deprecated "enas" component: every space's, scoped by `network` and
/// `cnn_space`, some with the default "auto".
OptionList search_options();
/// The options of the component for `space`.
OptionList search_options(SearchSpace space);
/// Replaces the "auto" defaults of the "enas" options by the values for the chosen
/// network (rnn: carpedm20; cnn: the authors' micro search). Idempotent.
Config resolve_network_defaults(const Config& options);
/// A space component's validated options in the form the search classes read: the "enas"
/// options with `network` and `cnn_space` set for `space`, the options `space` does not
/// declare at their defaults, and the user's values.
Config as_search_options(const Config& space_options, SearchSpace space);
/// The arguments of derive().
OptionList derive_options();

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

}  // namespace nas::enas
