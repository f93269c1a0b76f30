#include "rnn/rnn_options.hpp"

#include "nashost/nn/limits.hpp"

namespace nas::enas {

void append_options(OptionList& a, const OptionList& b) { a.insert(a.end(), b.begin(), b.end()); }

OptionList rnn_model_options() {
  return {
      {"operation_set", OptionType::String, "enas-rnn", "operation set with the node activations"},
      {"embed", OptionType::Int, 1000, "embedding size (= hidden when tie_weights)"},
      {"hidden", OptionType::Int, 1000, "hidden size of every node"},
      {"tie_weights", OptionType::Bool, true, "decoder shares the embedding matrix"},
      {"dropoute", OptionType::Float, 0.1, "embedding (vocabulary row) dropout"},
      {"dropouti", OptionType::Float, 0.65, "locked dropout on the embedded input"},
      {"dropout", OptionType::Float, 0.4, "locked dropout on the cell outputs"},
      {"wdrop", OptionType::Float, 0.5, "DropConnect on the recurrent weights W_hc, W_hh"},
      {"init_range", OptionType::Float, 0.025, "weights are drawn from U(-init_range, init_range)"},
      {"max_hidden_norm", OptionType::Float, 25.0, "rows of the next hidden state are clamped to this L2 norm"},
      {"batch_size", OptionType::Int, 64, "training batch size (columns of the token stream)"},
      {"eval_batch_size", OptionType::Int, 64, "batch size of full-set validation/test evaluation"},
      {"bptt", OptionType::Int, 35, "truncated back-propagation length"},
  };
}
OptionList rnn_training_options(double lr, const std::string& optim) {
  return {
      {"shared_optim", OptionType::String, optim, "sgd or adam"},
      {"shared_lr", OptionType::Float, lr, "learning rate of the shared weights"},
      {"shared_l2", OptionType::Float, 1e-7, "weight decay"},
      {"shared_grad_clip", OptionType::Float, 0.25, "gradient-norm clip over all shared weights"},
      {"shared_decay", OptionType::Float, 0.96, "lr factor per epoch after shared_decay_after"},
      {"shared_decay_after", OptionType::Int, 15, "first epoch index whose end decays the lr"},
  };
}

OptionList rnn_scratch_options() {
  OptionList o = {
      {"epochs", OptionType::Int, 40, "training epochs"},
      {"max_steps_per_epoch",
       OptionType::Int,
       0,
       "steps per epoch (0 = one pass over the training split)",
       {"steps_per_epoch"}},
      {"label", OptionType::String, "enas-rnn-scratch", "sub-folder of train/ for the model file"},
      {"log_step", OptionType::Int, 50, "per-step scalars every this many steps"},
      {"cuda_graph", OptionType::Bool, false,
       "capture the training step (the recurrence over the chunk, backward, clipping, SGD with the epoch's rate "
       "as an input) in a CUDA graph and replay it for every chunk; results equal to rounding. Needs shared_optim = "
       "sgd; on the CPU the same step runs uncaptured"},
  };
  append_options(o, rnn_model_options());
  append_options(o, rnn_training_options(20.0, "sgd"));
  return o;
}

OptionList rnn_eval_options() {
  return {
      {"model_file", OptionType::String, nullptr, "shared-model file written by the enas strategy"},
      {"operation_set", OptionType::String, "enas-rnn", "operation set the model was built with"},
      {"eval_batch_size", OptionType::Int, 64, "batch size of the full-set evaluation"},
      {"bptt", OptionType::Int, 35, "evaluation chunk length"},
  };
}

SharedRnnConfig shared_config_from(const Config& o, int64_t vocab, int num_blocks) {
  SharedRnnConfig c;
  c.vocab = vocab;
  c.embed = o.get_int_in("embed", 1, nn::kMaxHidden);
  c.hidden = o.get_int_in("hidden", 1, nn::kMaxHidden);
  c.num_blocks = num_blocks;
  c.tie_weights = o.get_bool("tie_weights");
  c.dropoute = o.get_float("dropoute");
  c.dropouti = o.get_float("dropouti");
  c.dropout = o.get_float("dropout");
  c.wdrop = o.get_float("wdrop");
  c.init_range = o.get_float("init_range");
  c.max_hidden_norm = o.get_float("max_hidden_norm");
  return c;
}

}  // namespace nas::enas
