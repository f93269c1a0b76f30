// Registers the ENAS search strategy and its RNN trainers.
#include <nashost/plugin.hpp>

#include "enas_search.hpp"
#include "options.hpp"
#include "rnn_trainers.hpp"

static void register_components(nas::Registrar& r) {
  using namespace nas::enas;
  r.add_strategy({"enas", "ENAS (Pham et al. 2018): RL controller + shared weights; RNN cell search on PTB/WikiText-2",
                  search_options()},
                 [](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
                   return std::make_shared<EnasRnnSearch>(o, std::move(data), ctx);
                 });
  r.add_trainer({"enas-rnn-scratch", "trains an ENAS RNN cell (enas-rnn genotype) from scratch; valid/test perplexity",
                 scratch_options()},
                [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<EnasRnnScratchTrainer>(o, ctx); });
  r.add_trainer({"enas-rnn-eval",
                 "evaluates an enas-rnn genotype with a saved ENAS shared model (no training); for ablations",
                 eval_options()},
                [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<EnasRnnEvalTrainer>(o, ctx); });
}

NASHOST_PLUGIN("search_enas", "0.1.0", register_components)
