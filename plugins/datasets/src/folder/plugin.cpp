// Plugin "dataset-image-folder": a classification dataset from folders of PNG/JPEG files.
#include <nashost/plugin.hpp>

#include "folder/image_folder.hpp"

namespace {

void register_components(nas::Registrar& r) {
  r.add_dataset({"image-folder",
                 "Image classification from folders: <root>/{train,test[,valid]}/<class>/*.png|jpg, decoded once, "
                 "resized to one size (libpng, libjpeg-turbo)",
                 nas::data::image_folder_options()},
                [](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
                  return nas::data::load_image_folder(cfg, &ctx);
                });
}

}  // namespace

NASHOST_PLUGIN("dataset-image-folder", "0.1.0", register_components)
