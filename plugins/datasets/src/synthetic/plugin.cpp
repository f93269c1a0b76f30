// Plugin "dataset-synthetic": generated data for smoke tests; always marked synthetic.
#include <nashost/plugin.hpp>

#include "synthetic/synthetic_images.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_dataset({"synthetic-images",
                 "SYNTHETIC generated images (class prototypes + shifts + noise) for smoke tests, not real data",
                 nas::data::synthetic_image_options()},
                [](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
                  return nas::data::make_synthetic_images(cfg, &ctx);
                });
}

}  // namespace

NASHOST_PLUGIN("dataset-synthetic", "0.1.0", register_components)
