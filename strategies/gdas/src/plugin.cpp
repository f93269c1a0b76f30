// Registers "gdas" (Dong & Yang 2019) on the DARTS cell space, built out of tree against the
// installed nashost SDK.
#include <nashost/plugin.hpp>

#include "gdas_search.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_strategy({"gdas",
                  "GDAS (Dong & Yang 2019): one operation per edge and step, drawn by hard Gumbel-softmax with "
                  "straight-through gradients, temperature annealed tau_max -> tau_min; darts-space genotypes",
                  gdas::search_options()},
                 [](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext& ctx) {
                   return std::make_shared<gdas::GdasSearch>(o, std::move(data), ctx);
                 });
}

}  // namespace

NASHOST_PLUGIN("gdas", "1.0.0", register_components)
