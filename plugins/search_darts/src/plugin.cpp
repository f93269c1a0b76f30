// Registers the "darts" search strategy and the "darts-eval" trainer.
#include <nashost/plugin.hpp>

#include "darts_eval_trainer.hpp"
#include "darts_search.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_strategy(
      {"darts", "DARTS bilevel cell search (first or second order, Liu et al. 2019)", nas::darts::search_options()},
      [](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
        return std::make_shared<nas::darts::DartsSearch>(o, std::move(data), ctx);
      });
  r.add_trainer({"darts-eval", "train a DARTS cell genotype from scratch (C36 L20, aux head, cutout, drop path)",
                 nas::darts::eval_options()},
                [](const nas::Config& o, nas::HostContext& ctx) {
                  return std::make_shared<nas::darts::DartsEvalTrainer>(o, ctx);
                });
}

}  // namespace

NASHOST_PLUGIN("search_darts", "0.1.0", register_components)
