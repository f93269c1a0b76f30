// The CNN search-space factory (option cnn_space).
#include "cnn/cnn_space.hpp"

#include "cnn/macro/macro_space.hpp"
#include "cnn/micro/micro_space.hpp"
#include "nashost/error.hpp"

namespace nas::enas {

const std::vector<std::string>& cnn_space_names() {
  static const std::vector<std::string> names = {"micro", "macro"};
  return names;
}

std::unique_ptr<CnnSearchSpace> make_cnn_space(const Config& o, const DatasetInfo& info, HostContext& ctx,
                                               bool random) {
  if (info.task != Task::Classification || info.input_shape.size() != 3)
    throw ConfigError("enas (network = \"cnn\"): dataset '" + info.name +
                      "' is not an image classification dataset (needs C,H,W inputs and classes)");
  const std::string space = o.get_string("cnn_space");
  if (space == "micro") return make_micro_space(o, info, ctx, random);
  if (space == "macro") return make_macro_space(o, info, random);
  std::string valid;
  for (const auto& n : cnn_space_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw ConfigError(o.full_key("cnn_space") + ": unknown '" + space + "'; valid: " + valid);
}

}  // namespace nas::enas
