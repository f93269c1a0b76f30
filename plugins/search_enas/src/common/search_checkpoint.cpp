#include "common/search_checkpoint.hpp"

#include <ATen/Context.h>

#include "nashost/error.hpp"

namespace nas::enas {

namespace {
at::Generator default_generator(c10::Device device) { return at::globalContext().defaultGenerator(device); }
}  // namespace

void write_search_checkpoint(torch::serialize::OutputArchive& archive, const Json& state,
                             const SearchCheckpointParts& parts, const c10::Device& device) {
  archive.write("state", c10::IValue(state.dump()));
  torch::serialize::OutputArchive shared, controller, so, co;
  parts.shared.save(shared);
  parts.controller.save(controller);
  parts.shared_optim.save(so);
  parts.controller_optim.save(co);
  archive.write("shared", shared);
  archive.write("controller", controller);
  archive.write("shared_optim", so);
  archive.write("controller_optim", co);
  archive.write("baseline", parts.reinforce.baseline());
  archive.write("baseline_initialised", parts.reinforce.initialised());
  archive.write("rng_cpu", default_generator(c10::Device(c10::kCPU)).get_state());
  if (device.is_cuda()) archive.write("rng_device", default_generator(device).get_state());
}

Json read_search_checkpoint(torch::serialize::InputArchive& archive, const std::filesystem::path& file,
                            const std::string& format, const std::string& what, const Json& options,
                            std::initializer_list<const char*> keys, const SearchCheckpointParts& parts,
                            const c10::Device& device) {
  c10::IValue v;
  archive.read("state", v);
  const Json state = Json::parse(v.toStringRef());
  if (!state.is_object() || state.value("format", "") != format)
    throw Error("enas: '" + file.string() + "' is not an " + what);
  for (const char* key : keys)
    if (state["options"].value(key, Json()) != options.value(key, Json()))
      throw Error("enas: checkpoint '" + file.string() + "' was made with " + key + " = " +
                  state["options"].value(key, Json()).dump() + ", this run has " + options.value(key, Json()).dump() +
                  "; start a new run or use the same options");
  torch::serialize::InputArchive shared, controller, so, co;
  archive.read("shared", shared);
  archive.read("controller", controller);
  archive.read("shared_optim", so);
  archive.read("controller_optim", co);
  parts.shared.load(shared);
  parts.controller.load(controller);
  parts.shared_optim.load(so);
  parts.controller_optim.load(co);
  at::Tensor baseline, initialised, rng;
  archive.read("baseline", baseline);
  archive.read("baseline_initialised", initialised);
  parts.reinforce.set_state(baseline, initialised);
  archive.read("rng_cpu", rng);
  default_generator(c10::Device(c10::kCPU)).set_state(rng.cpu());
  if (device.is_cuda()) {
    at::Tensor rng_dev;
    if (archive.try_read("rng_device", rng_dev)) default_generator(device).set_state(rng_dev.cpu());
  }
  return state;
}

}  // namespace nas::enas
