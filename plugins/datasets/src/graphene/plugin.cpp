// Plugin "dataset-graphene": the graphene kirigami regression set (netCDF).
#include <nashost/plugin.hpp>

#include "graphene/graphene.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_dataset({"graphene",
                 "Graphene kirigami cut patterns 1x30x80 (zero-padded to 1x32x80) -> yield strain, regression "
                 "(netCDF graphene_processed.nc; sklearn 80/20 test split, random_state 42)",
                 nas::data::graphene_options()},
                [](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
                  return nas::data::load_graphene(cfg, &ctx);
                });
}

}  // namespace

NASHOST_PLUGIN("dataset-graphene", "0.1.0", register_components)
