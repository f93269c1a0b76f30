#include "weight_map.hpp"

#include <torch/serialize/input-archive.h>

#include "nashost/archive_read.hpp"
#include "nashost/error.hpp"

namespace nas::host {

namespace {

// Module::save writes parameters and buffers as tensors and each child module as a
// sub-archive; other entries (strings such as "genotype" or "meta") are values.
void collect(torch::serialize::InputArchive& archive, const std::string& prefix,
             std::map<std::string, at::Tensor>& tensors, std::map<std::string, std::string>& strings) {
  for (const std::string& key : archive.keys()) {
    torch::serialize::InputArchive child;
    if (archive.try_read(key, child)) {
      collect(child, prefix + key + ".", tensors, strings);
      continue;
    }
    at::Tensor t;
    if (archive.try_read(key, t)) {
      tensors[prefix + key] = t;
      continue;
    }
    c10::IValue v;
    if (archive.try_read(key, v) && v.isString()) strings[prefix + key] = v.toStringRef();
  }
}

}  // namespace

WeightMap WeightMap::read(const std::filesystem::path& file) {
  std::map<std::string, at::Tensor> tensors;
  std::map<std::string, std::string> strings;
  read_archive(file, c10::Device(c10::kCPU), "model file",
               [&](torch::serialize::InputArchive& archive) { collect(archive, "", tensors, strings); });
  return WeightMap(file, std::move(tensors), std::move(strings));
}

at::Tensor WeightMap::take(const std::string& name) {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    throw Error("model file '" + file_.string() + "' has no tensor '" + name +
                "' (it does not match its model.json: a file from another nashost version?)");
  if (!taken_.insert(name).second) throw Error("export: tensor '" + name + "' was mapped twice (exporter bug)");
  return it->second;
}

int WeightMap::move_prefix(const std::string& from, const std::string& to, NamedTensors& out) {
  int n = 0;
  const std::string p = from + ".";
  for (const auto& [name, t] : tensors_)
    if (name.rfind(p, 0) == 0 && !taken_.count(name)) {
      out.emplace_back(to + "." + name.substr(p.size()), t);
      taken_.insert(name);
      ++n;
    }
  return n;
}

int WeightMap::move_under(const std::string& from, NamedTensors& out) {
  int n = 0;
  const std::string p = from + ".";
  for (const auto& [name, t] : tensors_)
    if (name.rfind(p, 0) == 0 && !taken_.count(name)) {
      out.emplace_back(name.substr(p.size()), t);
      taken_.insert(name);
      ++n;
    }
  return n;
}

void WeightMap::drop_prefix(const std::string& prefix) {
  const std::string p = prefix + ".";
  for (const auto& [name, t] : tensors_)
    if (name.rfind(p, 0) == 0) taken_.insert(name);
}

void WeightMap::expect_all_used() const {
  std::string left;
  int n = 0;
  for (const auto& [name, t] : tensors_)
    if (!taken_.count(name)) {
      if (n++ < 8) left += (left.empty() ? "" : ", ") + name;
    }
  if (n > 0)
    throw Error("export of '" + file_.string() + "': " + std::to_string(n) + " tensor(s) the exporter does not know (" +
                left + (n > 8 ? ", ..." : "") + "); nothing is exported rather than a model without them");
}

std::string WeightMap::string_entry(const std::string& key) const {
  auto it = strings_.find(key);
  return it == strings_.end() ? std::string() : it->second;
}

}  // namespace nas::host
