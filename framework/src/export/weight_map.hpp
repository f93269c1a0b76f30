#pragma once
// The tensors of a nashost model file under nashost's names, for the exporters: every
// tensor must be taken (renamed into the exported file) or deliberately dropped, so a
// weight the exporter does not know is an error, never silently lost.
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "nashost/config.hpp"
#include "safetensors.hpp"

namespace nas::host {

class WeightMap {
 public:
  /// Reads every tensor of a LibTorch model archive (Module::save: parameters, buffers,
  /// sub-archives per child, names joined by '.'); string entries (e.g. ENAS's "meta")
  /// go to strings(). nas::Error naming the file when it is missing or corrupt.
  static WeightMap read(const std::filesystem::path& file);
  /// The shapes of a model file without its values, as config.json keeps them
  /// ({"tensors": {name: {"dtype", "shape"}}, "strings": {key: value}}), so that import can
  /// rebuild the file of any network: describe() writes it, from_description() gives
  /// zero tensors of those shapes (nas::Error naming `what` for a malformed description).
  Json describe() const;
  static WeightMap from_description(const Json& description, const std::string& what);
  /// Writes the tensors and strings as a LibTorch archive that Module::load reads (names
  /// split at '.' into sub-archives, as Module::save nests children), atomically.
  void save(const std::filesystem::path& file) const;

  WeightMap(std::filesystem::path file, std::map<std::string, at::Tensor> tensors,
            std::map<std::string, std::string> strings)
      : file_(std::move(file)), tensors_(std::move(tensors)), strings_(std::move(strings)) {}

  bool has(const std::string& name) const { return tensors_.count(name) && !taken_.count(name); }
  /// The tensor `name` (and marks it used); nas::Error naming the file if absent.
  at::Tensor take(const std::string& name);
  /// out += (to + s, tensor) for every remaining tensor named from + s. Returns how many.
  int move_prefix(const std::string& from, const std::string& to, NamedTensors& out);
  /// out += every remaining tensor under `from.`, its name without that prefix (a network
  /// exported under nashost's own names).
  int move_under(const std::string& from, NamedTensors& out);
  /// Marks every tensor under `prefix.` as deliberately not exported (e.g. candidate ops a
  /// one-hot network never runs).
  void drop_prefix(const std::string& prefix);
  /// nas::Error listing the tensors neither taken nor dropped.
  void expect_all_used() const;
  /// A string entry of the archive ("" when absent).
  std::string string_entry(const std::string& key) const;
  const std::filesystem::path& file() const { return file_; }
  const std::map<std::string, at::Tensor>& tensors() const { return tensors_; }

 private:
  std::filesystem::path file_;
  std::map<std::string, at::Tensor> tensors_;
  std::map<std::string, std::string> strings_;
  std::set<std::string> taken_;
  std::set<std::string> archives_;  ///< every sub-archive's name (read) or the empty ones (described)
};

}  // namespace nas::host
