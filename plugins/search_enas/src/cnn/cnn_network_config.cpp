#include "cnn/cnn_network_config.hpp"

#include "nashost/error.hpp"

namespace nas::enas {

void require_image_classification(const DatasetInfo& info) {
  if (info.task != Task::Classification || info.input_shape.size() != 3)
    throw ConfigError("enas-cnn: dataset '" + info.name + "' is not an image classification dataset");
}

}  // namespace nas::enas
