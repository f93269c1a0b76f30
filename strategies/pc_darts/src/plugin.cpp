// Registers "pc-darts" (Xu et al. 2020) on the DARTS cell space, built out of tree against the
// installed nashost SDK.
#include <nashost/plugin.hpp>

#include "pc_darts_search.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_strategy({"pc-darts",
                  "PC-DARTS (Xu et al. 2020): DARTS with partial channel connections (1/K of each edge's channels "
                  "through its ops, channel shuffle) and edge normalisation (beta); darts-space genotypes",
                  pc_darts::search_options()},
                 [](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
                   return std::make_shared<pc_darts::PcDartsSearch>(o, std::move(data), ctx);
                 });
}

}  // namespace

NASHOST_PLUGIN("pc-darts", "1.0.0", register_components)
