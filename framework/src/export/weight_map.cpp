#include "weight_map.hpp"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "nashost/archive_io.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/error.hpp"

namespace nas::host {

namespace {

// Module::save writes parameters and buffers as tensors and each child module as a
// sub-archive; other entries (strings such as "genotype" or "meta") are values.
void collect(torch::serialize::InputArchive& archive, const std::string& prefix,
             std::map<std::string, at::Tensor>& tensors, std::map<std::string, std::string>& strings,
             std::set<std::string>& archives) {
  for (const std::string& key : archive.keys()) {
    torch::serialize::InputArchive child;
    if (archive.try_read(key, child)) {
      archives.insert(prefix + key);
      collect(child, prefix + key + ".", tensors, strings, archives);
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

/// One level of the archive tree: tensors and strings at this level, children by name.
struct ArchiveNode {
  std::map<std::string, at::Tensor> tensors;
  std::map<std::string, std::string> strings;
  std::map<std::string, ArchiveNode> children;
};

ArchiveNode& node_of(ArchiveNode& root, const std::string& name, std::string& leaf) {
  ArchiveNode* node = &root;
  size_t begin = 0;
  for (size_t dot; (dot = name.find('.', begin)) != std::string::npos; begin = dot + 1)
    node = &node->children[name.substr(begin, dot - begin)];
  leaf = name.substr(begin);
  if (leaf.empty()) throw Error("model file: empty name part in '" + name + "'");
  return *node;
}

void write_node(const ArchiveNode& node, torch::serialize::OutputArchive& archive) {
  for (const auto& [key, t] : node.tensors) archive.write(key, t);
  for (const auto& [key, v] : node.strings) archive.write(key, c10::IValue(v));
  for (const auto& [key, child] : node.children) {
    torch::serialize::OutputArchive sub;
    write_node(child, sub);
    archive.write(key, sub);
  }
}

}  // namespace

Json WeightMap::describe() const {
  Json tensors = Json::object(), strings = Json::object();
  for (const auto& [name, t] : tensors_)
    tensors[name] = Json{{"dtype", safetensors_dtype(t.scalar_type(), name)}, {"shape", t.sizes().vec()}};
  for (const auto& [key, v] : strings_) strings[key] = v;
  // Children without tensors (a pooling op's module) are empty sub-archives that Module::load
  // still asks for; the others are implied by the tensor names.
  Json empty = Json::array();
  for (const auto& a : archives_) {
    auto it = tensors_.lower_bound(a + ".");
    if (it == tensors_.end() || it->first.rfind(a + ".", 0) != 0) empty.push_back(a);
  }
  return Json{{"tensors", tensors}, {"strings", strings}, {"empty_archives", empty}};
}

WeightMap WeightMap::from_description(const Json& d, const std::string& what) {
  const auto bad = [&](const std::string& m) { return Error(what + ": " + m); };
  if (!d.is_object() || !d.contains("tensors") || !d["tensors"].is_object())
    throw bad("has no \"tensors\" object (the model file's tensor list that nashost export writes)");
  std::map<std::string, at::Tensor> tensors;
  std::map<std::string, std::string> strings;
  for (const auto& [name, spec] : d["tensors"].items()) {
    if (!spec.is_object() || !spec.contains("dtype") || !spec["dtype"].is_string() || !spec.contains("shape") ||
        !spec["shape"].is_array())
      throw bad("tensor '" + name + "' lacks dtype or shape");
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (const auto& n : spec["shape"]) {
      if (!n.is_number_unsigned() || n.get<uint64_t>() > (uint64_t{1} << 31))
        throw bad("tensor '" + name + "' has a bad shape");
      shape.push_back(n.get<int64_t>());
      count *= std::max<int64_t>(1, shape.back());
      if (count > (int64_t{1} << 33)) throw bad("tensor '" + name + "' is implausibly large");
    }
    tensors[name] = at::zeros(shape, at::TensorOptions().dtype(scalar_type_of_safetensors_dtype(spec["dtype"], name)));
  }
  if (d.contains("strings") && d["strings"].is_object())
    for (const auto& [key, v] : d["strings"].items())
      if (v.is_string()) strings[key] = v.get<std::string>();
  WeightMap w(what, std::move(tensors), std::move(strings));
  if (d.contains("empty_archives") && d["empty_archives"].is_array())
    for (const auto& a : d["empty_archives"])
      if (a.is_string() && !a.get<std::string>().empty()) w.archives_.insert(a.get<std::string>());
  return w;
}

void WeightMap::save(const std::filesystem::path& file) const {
  ArchiveNode root;
  std::string leaf;
  for (const auto& [name, t] : tensors_) node_of(root, name, leaf).tensors[leaf] = t;
  for (const auto& [key, v] : strings_) node_of(root, key, leaf).strings[leaf] = v;
  for (const auto& a : archives_) node_of(root, a, leaf).children[leaf];  // creates the (empty) child
  torch::serialize::OutputArchive archive;
  write_node(root, archive);
  save_archive_atomically(archive, file);
}

WeightMap WeightMap::read(const std::filesystem::path& file) {
  std::map<std::string, at::Tensor> tensors;
  std::map<std::string, std::string> strings;
  std::set<std::string> archives;
  read_archive(file, c10::Device(c10::kCPU), "model file",
               [&](torch::serialize::InputArchive& archive) { collect(archive, "", tensors, strings, archives); });
  WeightMap w(file, std::move(tensors), std::move(strings));
  w.archives_ = std::move(archives);
  return w;
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
