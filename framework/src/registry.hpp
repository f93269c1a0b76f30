#pragma once
// The host-owned registry of components, filled by plugins through a Registrar.
//
// Objects created from a plugin's factory keep that plugin's library loaded: the
// returned shared_ptr owns a reference to the library (see keep_library_alive).
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "nashost/plugin.hpp"

namespace nas::host {

/// Where a component came from.
struct Provenance {
  std::string plugin;
  std::string version;
  std::filesystem::path library;  ///< empty for built-ins
  std::shared_ptr<void> library_handle;
};

struct ComponentEntry {
  ComponentKind kind;
  ComponentInfo info;
  Provenance from;
  std::variant<DatasetFactory, OperationSetFactory, StrategyFactory, TrainerFactory> factory;
};

class Registry {
 public:
  /// Adds entries; throws nas::Error naming both plugins if a name is taken.
  void add(ComponentEntry entry);
  /// True if `name` is registered for `kind`.
  bool contains(ComponentKind kind, const std::string& name) const;
  /// Throws ConfigError with near-name suggestions if absent.
  const ComponentEntry& find(ComponentKind kind, const std::string& name) const;
  /// Any kind; nullptr if absent.
  const ComponentEntry* find_any(const std::string& name) const;
  /// Every entry, ordered by kind then name.
  std::vector<const ComponentEntry*> all() const;
  /// Names of all components (any kind) close to `name`.
  std::vector<std::string> suggestions(const std::string& name, const ComponentKind* kind = nullptr) const;

  std::shared_ptr<Dataset> make_dataset(const std::string& name, const Json& options, HostContext& ctx) const;
  std::shared_ptr<OperationSet> make_operation_set(const std::string& name, const Json& options,
                                                   HostContext& ctx) const;
  std::shared_ptr<SearchStrategy> make_strategy(const std::string& name, const Json& options,
                                                std::shared_ptr<Dataset> data, HostContext& ctx) const;
  std::shared_ptr<Trainer> make_trainer(const std::string& name, const Json& options, HostContext& ctx) const;

 private:
  std::map<std::string, ComponentEntry> entries_[4];
};

/// Returns a pointer to the same object that also holds `library` until the object dies.
template <class T>
std::shared_ptr<T> keep_library_alive(std::shared_ptr<T> object, std::shared_ptr<void> library) {
  if (!library) return object;
  // Members are destroyed in reverse order: the object first, then the library.
  auto holder = std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<T>>>(std::move(library), object);
  return std::shared_ptr<T>(holder, object.get());
}

/// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace nas::host
