#include "plugin_loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "nashost/error.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

/// Collects one plugin's components; nothing reaches the registry unless all succeed.
class StagingRegistrar final : public Registrar {
 public:
  explicit StagingRegistrar(Provenance from) : from_(std::move(from)) {}
  void add_dataset(ComponentInfo info, DatasetFactory f) override { stage(ComponentKind::Dataset, std::move(info), std::move(f)); }
  void add_operation_set(ComponentInfo info, OperationSetFactory f) override {
    stage(ComponentKind::OperationSet, std::move(info), std::move(f));
  }
  void add_strategy(ComponentInfo info, StrategyFactory f) override { stage(ComponentKind::Strategy, std::move(info), std::move(f)); }
  void add_trainer(ComponentInfo info, TrainerFactory f) override { stage(ComponentKind::Trainer, std::move(info), std::move(f)); }
  std::vector<ComponentEntry>& staged() { return staged_; }

 private:
  template <class F>
  void stage(ComponentKind kind, ComponentInfo info, F factory) {
    if (info.name.empty()) throw Error("a component was registered with an empty name");
    if (!factory) throw Error("component '" + info.name + "' was registered without a factory");
    for (const auto& e : staged_)
      if (e.info.name == info.name) throw Error("the plugin registers '" + info.name + "' twice");
    staged_.push_back(ComponentEntry{kind, std::move(info), from_, std::move(factory)});
  }
  Provenance from_;
  std::vector<ComponentEntry> staged_;
};


}  // namespace

void PluginLoader::load_directory(const fs::path& dir) {
  searched_.push_back(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".so") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) load_file(f);
}

void PluginLoader::load_file(const fs::path& file) {
  LoadOutcome out;
  out.library = fs::absolute(file);
  for (const auto& prior : report_)
    if (prior.library == out.library) return;  // the same folder listed twice

  auto lib = std::make_shared<boost::dll::shared_library>();
  std::error_code ec;  // BOOST_DLL_USE_STD_FS: std types
  lib->load(boost::dll::fs::path(out.library), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    out.reason = "cannot be opened: " + ec.message() + " (a missing dependency or not a shared library)";
    report_.push_back(std::move(out));
    return;
  }
  if (!lib->has("nashost_plugin_descriptor")) {
    out.reason = "not a nashost plugin: it exports no 'nashost_plugin_descriptor' (build it with NASHOST_PLUGIN)";
    report_.push_back(std::move(out));
    return;
  }
  const PluginDescriptor* d = nullptr;
  try {
    d = lib->get_alias<const PluginDescriptor*()>("nashost_plugin_descriptor")();
  } catch (const std::exception& e) {
    out.reason = std::string("its descriptor cannot be read: ") + e.what();
    report_.push_back(std::move(out));
    return;
  }
  if (!d) {
    out.reason = "its descriptor is null";
    report_.push_back(std::move(out));
    return;
  }
  // Check the plain-data part first: it is readable even from a mismatched plugin.
  if (d->abi_version != NASHOST_ABI_VERSION) {
    out.reason = "incompatible ABI version: the plugin was built for ABI " + std::to_string(d->abi_version) +
                 ", this host supports ABI " + std::to_string(NASHOST_ABI_VERSION) +
                 "; rebuild the plugin against this SDK";
    report_.push_back(std::move(out));
    return;
  }
  out.plugin = d->name ? d->name : "";
  out.version = d->version ? d->version : "";
  if (d->sdk_major != NASHOST_SDK_VERSION_MAJOR || d->sdk_minor > NASHOST_SDK_VERSION_MINOR) {
    out.reason = "incompatible SDK version: plugin needs SDK " + std::to_string(d->sdk_major) + "." +
                 std::to_string(d->sdk_minor) + ", host has " + sdk_version_string();
    report_.push_back(std::move(out));
    return;
  }
  const std::string fingerprint = d->fingerprint ? d->fingerprint : "";
  if (fingerprint != host_build_fingerprint()) {
    out.reason = "built differently from the host: plugin '" + fingerprint + "', host '" +
                 host_build_fingerprint() + "'; rebuild it with the same compiler and LibTorch";
    report_.push_back(std::move(out));
    return;
  }
  if (!d->register_components) {
    out.reason = "its descriptor has no register function";
    report_.push_back(std::move(out));
    return;
  }

  StagingRegistrar staging(Provenance{out.plugin, out.version, out.library, lib});
  try {
    d->register_components(staging);
  } catch (const std::exception& e) {
    out.reason = std::string("its register function failed: ") + e.what();
    report_.push_back(std::move(out));
    return;
  } catch (...) {
    out.reason = "its register function threw a non-standard exception";
    report_.push_back(std::move(out));
    return;
  }
  // All or nothing: check every name before adding any.
  for (const auto& e : staging.staged()) {
    if (registry_.contains(e.kind, e.info.name)) {
      const ComponentEntry& existing = registry_.find(e.kind, e.info.name);
      out.reason = "component '" + e.info.name + "' is already registered by plugin '" +
                   existing.from.plugin + "' (" + existing.from.library.string() + "); plugin skipped";
      report_.push_back(std::move(out));
      return;
    }
  }
  for (auto& e : staging.staged()) {
    out.components.push_back(std::string(component_kind_name(e.kind)) + " " + e.info.name);
    registry_.add(std::move(e));
  }
  out.loaded = true;
  report_.push_back(std::move(out));
}

std::vector<fs::path> plugin_search_path(const std::vector<std::string>& cli_paths) {
  std::vector<fs::path> dirs;
  for (const auto& p : cli_paths) dirs.emplace_back(p);
  if (const char* env = std::getenv("NAS_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) dirs.emplace_back(item);
  }
  const fs::path exe_dir = boost::dll::program_location().parent_path().string();
  dirs.push_back(exe_dir.parent_path() / "plugins");                 // build tree: build/bin → build/plugins
  dirs.push_back(exe_dir.parent_path() / "lib" / "nashost" / "plugins");  // installed layout
  return dirs;
}

}  // namespace nas::host
