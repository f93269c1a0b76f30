#pragma once
// What the micro (SharedCnnConfig) and macro (MacroCnnConfig) network configs share:
// the data's sizes, width, dropout and auxiliary head, filled, written and read in one place.
#include <cstdint>

#include "nashost/config.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/limits.hpp"

namespace nas::enas {

/// ConfigError unless `info` is an image classification dataset ([C, H, W] inputs).
void require_image_classification(const DatasetInfo& info);

// The fields the micro (SharedCnnConfig) and macro (MacroCnnConfig) network configs share,
// filled, written and read in one place; each config adds its own.

/// The input and output sizes from `info` (checked as above) and the options channels,
/// keep_prob and auxiliary.
template <class CnnConfig>
void set_common_sizes(CnnConfig& c, const DatasetInfo& info, const Config& o) {
  require_image_classification(info);
  c.in_channels = info.input_shape[0];
  c.height = info.input_shape[1];
  c.width = info.input_shape[2];
  c.num_classes = info.num_outputs;
  c.channels = o.get_int_in("channels", 1, nn::kMaxChannels);
  c.keep_prob = o.get_float("keep_prob");
  c.aux_head = o.get_bool("auxiliary");
}

template <class CnnConfig>
Json common_config_json(const CnnConfig& c) {
  return Json{{"in_channels", c.in_channels}, {"height", c.height},     {"width", c.width},
              {"num_classes", c.num_classes}, {"channels", c.channels}, {"num_layers", c.num_layers},
              {"keep_prob", c.keep_prob},     {"aux_head", c.aux_head}};
}

template <class CnnConfig>
void read_common_config_json(CnnConfig& c, const Json& j) {
  c.in_channels = j.at("in_channels").get<int64_t>();
  c.height = j.at("height").get<int64_t>();
  c.width = j.at("width").get<int64_t>();
  c.num_classes = j.at("num_classes").get<int64_t>();
  c.channels = j.at("channels").get<int64_t>();
  c.num_layers = j.at("num_layers").get<int64_t>();
  c.keep_prob = j.at("keep_prob").get<double>();
  c.aux_head = j.value("aux_head", false);  // absent in files written before the option existed
}

}  // namespace nas::enas
