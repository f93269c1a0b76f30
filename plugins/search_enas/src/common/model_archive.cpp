#include "common/model_archive.hpp"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>
#include "nashost/archive_io.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace nas::enas {

void write_model_archive(const torch::nn::Module& model, const Json& meta, const std::filesystem::path& file) {
  std::filesystem::create_directories(file.parent_path());
  atomic_write_file(file, [&](const std::filesystem::path& tmp) {
    torch::serialize::OutputArchive archive;
    archive.write("meta", c10::IValue(meta.dump()));
    torch::serialize::OutputArchive weights;
    model.save(weights);
    archive.write("model", weights);
    save_archive(archive, tmp);
  });
}

void read_model_archive(const std::filesystem::path& file, c10::Device device, const std::string& format,
                        const std::string& what, const std::string& missing_hint,
                        const std::function<void(torch::serialize::InputArchive&, const Json& meta)>& read) {
  if (!std::filesystem::exists(file))
    throw Error("shared model file '" + file.string() + "' does not exist (" + missing_hint + ")");
  read_archive(file, device, what, [&](torch::serialize::InputArchive& archive) {
    c10::IValue v;
    archive.read("meta", v);
    const Json meta = Json::parse(v.toStringRef());
    if (!meta.is_object() || meta.value("format", "") != format)
      throw Error("'" + file.string() + "' is not an " + what);
    read(archive, meta);
  });
}

void read_model_weights(torch::serialize::InputArchive& archive, torch::nn::Module& model, c10::Device device) {
  torch::serialize::InputArchive weights;
  archive.read("model", weights);
  model.load(weights);
  model.to(device);
}

}  // namespace nas::enas
