#include "plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
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
  void add_dataset(ComponentInfo info, DatasetFactory f) override {
    stage(ComponentKind::Dataset, std::move(info), std::move(f));
  }
  void add_operation_set(ComponentInfo info, OperationSetFactory f) override {
    stage(ComponentKind::OperationSet, std::move(info), std::move(f));
  }
  void add_strategy(ComponentInfo info, StrategyFactory f) override {
    stage(ComponentKind::Strategy, std::move(info), std::move(f));
  }
  void add_trainer(ComponentInfo info, TrainerFactory f) override {
    stage(ComponentKind::Trainer, std::move(info), std::move(f));
  }
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

/// Why `file` cannot be a shared library at all, or "" if it might be one. dlopen's own
/// report for an empty or random file is the unhelpful "Bad file descriptor".
std::string not_a_library(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::string("it cannot be read: ") + std::strerror(errno);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  if (in.gcount() == 0) return "not a shared library: the file is empty (0 bytes)";
  if (in.gcount() < 4 || std::memcmp(magic,
                                     "\x7f"
                                     "ELF",
                                     4) != 0)
    return "not a shared library: it has no ELF header (a text file, a partial download or another format?)";
  return "";
}

/// The start of the loaded object (library) that holds `address`; nullptr when no loaded
/// object does, i.e. the address is not code or data of any library.
const void* library_holding(const void* address) {
  Dl_info info{};
  return (address && dladdr(address, &info) != 0) ? info.dli_fbase : nullptr;
}

/// True when `text` points into `library` and ends within `max_length` bytes.
bool string_in_library(const char* text, const void* library, size_t max_length = 512) {
  return text && library_holding(text) == library && ::strnlen(text, max_length) < max_length;
}

}  // namespace

void PluginLoader::load_directory(const fs::path& dir) {
  searched_.push_back(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  // Entries that cannot even be examined (a symlink loop, a dangling link, no permission)
  // are reported and skipped; they must not end the whole listing.
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() != ".so") continue;
    std::error_code status_ec;
    const bool regular = fs::is_regular_file(path, status_ec);
    if (status_ec) {
      report_.push_back(
          LoadOutcome{fs::absolute(path),
                      false,
                      "",
                      "",
                      "cannot be examined: " + status_ec.message() +
                          (status_ec == std::errc::too_many_symbolic_link_levels ? " (a symlink loop)" : ""),
                      {}});
      continue;
    }
    if (regular) files.push_back(path);
  }
  if (ec)
    report_.push_back(LoadOutcome{fs::absolute(dir), false, "", "", "folder cannot be listed: " + ec.message(), {}});
  std::sort(files.begin(), files.end());
  for (const auto& f : files) load_file(f);
}

namespace {

/// Opens the library; "" or why not (dlerror() names a missing dependency or undefined
/// symbol, where boost keeps only errno).
std::string open_library(const fs::path& file, boost::dll::shared_library& lib) {
  if (std::string why = not_a_library(file); !why.empty()) return "cannot be opened: " + why;
  std::error_code ec;  // BOOST_DLL_USE_STD_FS: std types
  lib.load(boost::dll::fs::path(file), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (!ec) return "";
  std::string detail = ec.message();
  if (void* h = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL))
    ::dlclose(h);
  else if (const char* e = ::dlerror())
    detail = e;
  return "cannot be opened: " + detail;
}

/// The descriptor behind the exported symbol. The symbol holds a pointer to the descriptor
/// function (BOOST_DLL_ALIAS); a stray symbol of that name holds anything, so nothing is
/// called or read before its addresses are known to lie inside this library.
std::string locate_descriptor(boost::dll::shared_library& lib, const void*& library, const PluginDescriptor*& d) {
  if (!lib.has("nashost_plugin_descriptor"))
    return "not a nashost plugin: it exports no 'nashost_plugin_descriptor' (build it with NASHOST_PLUGIN)";
  const auto* slot = &lib.get<const void*>("nashost_plugin_descriptor");
  library = library_holding(slot);
  const auto entry = reinterpret_cast<const PluginDescriptor* (*)()>(const_cast<void*>(*slot));
  if (!library || library_holding(reinterpret_cast<const void*>(entry)) != library)
    return "its 'nashost_plugin_descriptor' symbol is not a nashost descriptor entry (it does not point to "
           "a function of the library); build the plugin with NASHOST_PLUGIN";
  try {
    d = entry();
  } catch (const std::exception& e) {
    return std::string("its descriptor cannot be read: ") + e.what();
  }
  if (!d) return "its descriptor is null";
  if (library_holding(d) != library) return "its descriptor lies outside the library (not built with NASHOST_PLUGIN)";
  return "";
}

/// The descriptor's layout (magic, ABI, size) and that its strings and register function
/// belong to the library; the plain-data part first, as it is readable even from a
/// mismatched plugin.
std::string check_descriptor(const PluginDescriptor& d, const void* library) {
  if (d.magic != kPluginDescriptorMagic)  // ABI 1 descriptors began with the ABI version itself
    return d.magic == 1
               ? "incompatible ABI version: the plugin was built for ABI 1, this host supports ABI " +
                     std::to_string(NASHOST_ABI_VERSION) + "; rebuild the plugin against this SDK"
               : "its descriptor has no nashost magic number (a stray symbol, or not built with NASHOST_PLUGIN)";
  if (d.abi_version != NASHOST_ABI_VERSION || d.size != sizeof(PluginDescriptor))
    return "incompatible ABI version: the plugin was built for ABI " + std::to_string(d.abi_version) +
           ", this host supports ABI " + std::to_string(NASHOST_ABI_VERSION) + "; rebuild the plugin against this SDK";
  for (const char* text : {d.name, d.version, d.fingerprint})
    if (!string_in_library(text, library))
      return "its descriptor's name, version or fingerprint is not a string of the library";
  if (!d.register_components || library_holding(reinterpret_cast<const void*>(d.register_components)) != library)
    return "its descriptor has no register function in the library";
  return "";
}

/// The SDK version and the build (compiler, LibTorch) the plugin was made with.
std::string check_build(const PluginDescriptor& d) {
  if (d.sdk_major != NASHOST_SDK_VERSION_MAJOR || d.sdk_minor > NASHOST_SDK_VERSION_MINOR)
    return "incompatible SDK version: plugin needs SDK " + std::to_string(d.sdk_major) + "." +
           std::to_string(d.sdk_minor) + ", host has " + sdk_version_string();
  const std::string fingerprint = d.fingerprint;
  if (fingerprint != host_build_fingerprint())
    return "built differently from the host: plugin '" + fingerprint + "', host '" + host_build_fingerprint() +
           "'; rebuild it with the same compiler and LibTorch";
  return "";
}

/// Runs the plugin's register function against a staging registrar and adds its
/// components all or nothing (a name already taken skips the whole plugin).
std::string register_staged(const PluginDescriptor& d, Provenance from, Registry& registry,
                            std::vector<std::string>& components) {
  StagingRegistrar staging(std::move(from));
  try {
    d.register_components(staging);
  } catch (const std::exception& e) {
    return std::string("its register function failed: ") + e.what();
  } catch (...) {
    return "its register function threw a non-standard exception";
  }
  for (const auto& e : staging.staged())
    if (registry.contains(e.kind, e.info.name)) {
      const ComponentEntry& existing = registry.find(e.kind, e.info.name);
      return "component '" + e.info.name + "' is already registered by plugin '" + existing.from.plugin + "' (" +
             existing.from.library.string() + "); plugin skipped";
    }
  for (auto& e : staging.staged()) {
    components.push_back(std::string(component_kind_name(e.kind)) + " " + e.info.name);
    registry.add(std::move(e));
  }
  return "";
}

}  // namespace

void PluginLoader::load_file(const fs::path& file) {
  LoadOutcome out;
  out.library = fs::absolute(file);
  for (const auto& prior : report_)
    if (prior.library == out.library) return;  // the same folder listed twice
  out.reason = [&]() -> std::string {
    auto lib = std::make_shared<boost::dll::shared_library>();
    if (std::string why = open_library(out.library, *lib); !why.empty()) return why;
    const void* library = nullptr;
    const PluginDescriptor* d = nullptr;
    if (std::string why = locate_descriptor(*lib, library, d); !why.empty()) return why;
    if (std::string why = check_descriptor(*d, library); !why.empty()) return why;
    out.plugin = d->name;
    out.version = d->version;
    if (std::string why = check_build(*d); !why.empty()) return why;
    return register_staged(*d, Provenance{out.plugin, out.version, out.library, lib}, registry_, out.components);
  }();
  out.loaded = out.reason.empty();
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
  dirs.push_back(exe_dir.parent_path() / "plugins");                      // build tree: build/bin → build/plugins
  dirs.push_back(exe_dir.parent_path() / "lib" / "nashost" / "plugins");  // installed layout
  return dirs;
}

}  // namespace nas::host
