// Registers "evolution" (regularised evolution, Real et al. 2019) on the DARTS cell space,
// built out of tree against the installed nashost SDK.
#include <nashost/plugin.hpp>

#include "evolution_search.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_strategy({"evolution",
                  "regularised evolution (Real et al. 2019): a population aged out oldest-first, tournament "
                  "selection, one mutation per child, each child trained by a trainer; darts-space genotypes; "
                  "the children of a round are shared by the ranks",
                  evolution::search_options()},
                 [](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
                   return std::make_shared<evolution::EvolutionSearch>(o, std::move(data), ctx);
                 });
}

}  // namespace

NASHOST_PLUGIN("evolution", "1.0.0", register_components)
