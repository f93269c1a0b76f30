#include "registry.hpp"

#include <algorithm>

#include "nashost/error.hpp"

namespace nas::host {

namespace {
size_t kind_index(ComponentKind kind) { return static_cast<size_t>(kind); }
constexpr ComponentKind kAllKinds[] = {ComponentKind::Strategy, ComponentKind::Dataset, ComponentKind::OperationSet,
                                       ComponentKind::Trainer};

std::string describe_origin(const Provenance& p) {
  return "plugin '" + p.plugin + "' (" + (p.library.empty() ? std::string("built in") : p.library.string()) + ")";
}
}  // namespace

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

void Registry::add(ComponentEntry entry) {
  // Names are unique per kind: a "darts" strategy and a "darts" operation set may coexist.
  auto& map = entries_[kind_index(entry.kind)];
  auto it = map.find(entry.info.name);
  if (it != map.end())
    throw Error(std::string(component_kind_name(entry.kind)) + " '" + entry.info.name + "' is already registered by " +
                describe_origin(it->second.from) + "; rename one of them");
  const std::string name = entry.info.name;
  map.emplace(name, std::move(entry));
}

bool Registry::contains(ComponentKind kind, const std::string& name) const {
  return entries_[kind_index(kind)].count(name) > 0;
}

std::vector<std::string> Registry::suggestions(const std::string& name, const ComponentKind* only) const {
  std::vector<std::pair<size_t, std::string>> scored;
  for (ComponentKind kind : kAllKinds) {
    if (only && *only != kind) continue;
    for (const auto& [candidate, _] : entries_[kind_index(kind)]) {
      const size_t d = edit_distance(name, candidate);
      const bool prefix = candidate.find(name) != std::string::npos || name.find(candidate) != std::string::npos;
      if (d <= std::max<size_t>(2, name.size() / 3) || prefix) scored.emplace_back(d, candidate);
    }
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto& [_, n] : scored) out.push_back(n);
  return out;
}

const ComponentEntry& Registry::find(ComponentKind kind, const std::string& name) const {
  const auto& map = entries_[kind_index(kind)];
  auto it = map.find(name);
  if (it != map.end()) return it->second;
  std::string msg = std::string("unknown ") + component_kind_name(kind) + " '" + name + "'";
  if (const ComponentEntry* other = find_any(name))
    msg += " ('" + name + "' is a " + component_kind_name(other->kind) + ", not a " + component_kind_name(kind) + ")";
  auto near = suggestions(name, &kind);
  if (!near.empty()) {
    msg += "; did you mean";
    for (size_t i = 0; i < near.size() && i < 3; ++i) msg += (i ? ", '" : " '") + near[i] + "'";
    msg += "?";
  }
  std::string known;
  for (const auto& [n, _] : map) known += (known.empty() ? "" : ", ") + n;
  msg += " Known " + std::string(component_kind_name(kind)) + "s: " + (known.empty() ? "(none loaded)" : known) +
         ". `nashost plugins` lists everything and what was skipped.";
  throw ConfigError(msg);
}

const ComponentEntry* Registry::find_any(const std::string& name) const {
  for (ComponentKind kind : kAllKinds) {
    auto it = entries_[kind_index(kind)].find(name);
    if (it != entries_[kind_index(kind)].end()) return &it->second;
  }
  return nullptr;
}

std::vector<const ComponentEntry*> Registry::all() const {
  std::vector<const ComponentEntry*> out;
  for (ComponentKind kind : kAllKinds)
    for (const auto& [_, e] : entries_[kind_index(kind)]) out.push_back(&e);
  return out;
}

namespace {
template <class Factory, class... Args>
auto invoke(const ComponentEntry& e, const Json& options, Args&&... args) {
  const Config cfg = Config::validated(options, e.info.options, e.info.name);
  auto object = std::get<Factory>(e.factory)(cfg, std::forward<Args>(args)...);
  if (!object) throw Error("plugin '" + e.from.plugin + "' returned no object for '" + e.info.name + "'");
  return keep_library_alive(std::move(object), e.from.library_handle);
}
}  // namespace

std::shared_ptr<Dataset> Registry::make_dataset(const std::string& name, const Json& options, HostContext& ctx) const {
  return invoke<DatasetFactory>(find(ComponentKind::Dataset, name), options, ctx);
}
std::shared_ptr<OperationSet> Registry::make_operation_set(const std::string& name, const Json& options,
                                                           HostContext& ctx) const {
  return invoke<OperationSetFactory>(find(ComponentKind::OperationSet, name), options, ctx);
}
std::shared_ptr<SearchStrategy> Registry::make_strategy(const std::string& name, const Json& options,
                                                        std::shared_ptr<Dataset> data, HostContext& ctx) const {
  return invoke<StrategyFactory>(find(ComponentKind::Strategy, name), options, std::move(data), ctx);
}
std::shared_ptr<Trainer> Registry::make_trainer(const std::string& name, const Json& options, HostContext& ctx) const {
  return invoke<TrainerFactory>(find(ComponentKind::Trainer, name), options, ctx);
}

}  // namespace nas::host
