// Registers "rs-ws": random search with weight sharing (Li & Talwalkar 2019) on the DARTS
// cell space, built out of tree against the installed nashost SDK.
#include <nashost/plugin.hpp>

#include "rs_ws_search.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_strategy({"rs-ws",
                  "random search with weight sharing (Li & Talwalkar 2019): the DARTS supernet trained on one "
                  "uniformly sampled cell pair per step, then the best of rank_samples random architectures "
                  "(scored with the shared weights) as a darts-space genotype",
                  rs_ws::search_options()},
                 [](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
                   return std::make_shared<rs_ws::RsWsSearch>(o, std::move(data), ctx);
                 });
}

}  // namespace

NASHOST_PLUGIN("rs-ws", "1.0.0", register_components)
