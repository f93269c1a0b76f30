// Registers the ENAS search strategies (one per search space: the RNN cell, the CNN micro
// cells, the CNN macro network; and the deprecated all-in-one "enas") and their trainers.
#include <nashost/plugin.hpp>

#include "cnn/cnn_search.hpp"
#include "cnn/cnn_trainers.hpp"
#include "rnn/rnn_options.hpp"
#include "rnn/rnn_search.hpp"
#include "common/search_options.hpp"
#include "rnn/rnn_trainers.hpp"

namespace {
using namespace nas::enas;

std::shared_ptr<nas::SearchStrategy> make_search(const nas::Config& options, SearchSpace space,
                                                 std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
  if (space == SearchSpace::Rnn) return std::make_shared<EnasRnnSearch>(options, std::move(data), ctx);
  return std::make_shared<EnasCnnSearch>(options, std::move(data), ctx);
}

void add_space_strategy(nas::Registrar& r, SearchSpace space, const std::string& help) {
  r.add_strategy({strategy_name(space), help, search_options(space)},
                 [space](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
                   return make_search(as_search_options(o, space), space, std::move(data), ctx);
                 });
}
}  // namespace

static void register_components(nas::Registrar& r) {
  add_space_strategy(r, SearchSpace::Rnn,
                     "ENAS (Pham et al. 2018) recurrent cell for language models (PTB/WikiText-2): RL controller + "
                     "shared weights; train types orig, flexible, hardcoded, random");
  add_space_strategy(r, SearchSpace::CnnMicro,
                     "ENAS (Pham et al. 2018) micro space for images: a normal and a reduction cell; RL controller + "
                     "shared weights");
  add_space_strategy(r, SearchSpace::CnnMacro,
                     "ENAS (Pham et al. 2018) macro space for images: the whole network, per layer an operation and "
                     "its skip connections; RL controller + shared weights");
  // The one component of earlier releases; its options are every space's (scoped by network and
  // cnn_space). Kept for a release so that existing scripts run, with a warning naming the new one.
  r.add_strategy(
      {"enas",
       "deprecated: use enas-rnn, enas-cnn or enas-cnn-macro. ENAS with network = \"rnn\" or \"cnn\" "
       "(cnn_space = \"micro\" or \"macro\")",
       search_options()},
      [](const nas::Config& o, std::shared_ptr<nas::Dataset> data,
         nas::HostContext& ctx) -> std::shared_ptr<nas::SearchStrategy> {
        const nas::Config resolved = resolve_network_defaults(o);
        const SearchSpace space = resolved.get_string("network") != "cnn"       ? SearchSpace::Rnn
                                  : resolved.get_string("cnn_space") == "macro" ? SearchSpace::CnnMacro
                                                                                : SearchSpace::CnnMicro;
        ctx.logger("enas")->warn(
            "the strategy 'enas' is deprecated and will be removed: use '{}' (the same search, with only the "
            "options of its space; drop network and cnn_space)",
            strategy_name(space));
        return make_search(o, space, std::move(data), ctx);
      });
  r.add_trainer(
      {"enas-rnn-scratch", "trains an ENAS RNN cell (enas-rnn genotype) from scratch; valid/test perplexity",
       rnn_scratch_options()},
      [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<EnasRnnScratchTrainer>(o, ctx); });
  r.add_trainer(
      {"enas-rnn-eval", "evaluates an enas-rnn genotype with a saved ENAS shared model (no training); for ablations",
       rnn_eval_options()},
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
