// Registers the ENAS search strategy (RNN and CNN networks) and its trainers.
#include <nashost/plugin.hpp>

#include "cnn_search.hpp"
#include "cnn_trainers.hpp"
#include "enas_search.hpp"
#include "options.hpp"
#include "rnn_trainers.hpp"

static void register_components(nas::Registrar& r) {
  using namespace nas::enas;
  r.add_strategy(
      {"enas",
       "ENAS (Pham et al. 2018): RL controller + shared weights; network = \"rnn\" (RNN cell, PTB/WikiText-2) "
       "or \"cnn\" (images; cnn_space = \"micro\" cells or \"macro\" whole network)",
       search_options()},
      [](const nas::Config& o, std::shared_ptr<nas::Dataset> data,
         nas::HostContext& ctx) -> std::shared_ptr<nas::SearchStrategy> {
        if (o.get_string("network") == "cnn") return std::make_shared<EnasCnnSearch>(o, std::move(data), ctx);
        return std::make_shared<EnasRnnSearch>(o, std::move(data), ctx);
      });
  r.add_trainer(
      {"enas-rnn-scratch", "trains an ENAS RNN cell (enas-rnn genotype) from scratch; valid/test perplexity",
       scratch_options()},
      [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<EnasRnnScratchTrainer>(o, ctx); });
  r.add_trainer(
      {"enas-rnn-eval", "evaluates an enas-rnn genotype with a saved ENAS shared model (no training); for ablations",
       eval_options()},
      [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<EnasRnnEvalTrainer>(o, ctx); });
  r.add_trainer(
      {"enas-cnn-scratch",
       "trains the network of an ENAS CNN genotype (enas-cnn cells or enas-cnn-macro network) from scratch; test "
       "accuracy",
       cnn_scratch_options()},
      [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<EnasCnnScratchTrainer>(o, ctx); });
  r.add_trainer(
      {"enas-cnn-eval",
       "evaluates an enas-cnn or enas-cnn-macro genotype with the shared weights of an ENAS CNN search (no training)",
       cnn_eval_options()},
      [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<EnasCnnEvalTrainer>(o, ctx); });
}

NASHOST_PLUGIN("search_enas", "0.1.0", register_components)
