// Plugin "search_darts_cc": DARTS-CC search, its one-hot fine-tuning trainer and the
// random-share baseline.
#include <nashost/plugin.hpp>

#include "darts_cc_strategy.hpp"
#include "one_hot_trainer.hpp"
#include "options.hpp"
#include "random_strategy.hpp"

namespace {

void register_components(nas::Registrar& r) {
  using namespace nas::darts_cc;
  r.add_strategy({"darts-cc", "DARTS with complexity control: hypernetworks map lambda to alphas (Yakovlev et al.)",
                  search_options()},
                 [](const nas::Config& o, std::shared_ptr<nas::Dataset> d, nas::HostContext& ctx) {
                   return std::make_shared<DartsCCStrategy>(o, std::move(d), ctx);
                 });
  r.add_strategy(
      {"darts-cc-random", "DARTS-CC random baseline: genotype k has a share k/(count-1) of parameter-free ops",
       random_options()},
      [](const nas::Config& o, std::shared_ptr<nas::Dataset>, nas::HostContext&) {
        return std::make_shared<RandomShareStrategy>(o);
      });
  r.add_trainer(
      {"one-hot", "DARTS-CC fine-tuning: the search-shaped net with one op per edge, best-epoch test accuracy",
       one_hot_options()},
      [](const nas::Config& o, nas::HostContext& ctx) { return std::make_shared<OneHotTrainer>(o, ctx); });
}

}  // namespace

NASHOST_PLUGIN("search_darts_cc", "0.1.0", register_components)
