#include "data_command.hpp"

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "host_context.hpp"
#include "nashost/data_fetch.hpp"
#include "progress_bar.hpp"

namespace fs = std::filesystem;

namespace nas::host {

namespace {

std::string abs(const fs::path& p) { return fs::absolute(p).lexically_normal().string(); }

std::string root_origin(const std::string& dir) {
  if (!dir.empty()) return "--dir";
  const char* env = std::getenv("NAS_DATA_DIR");
  return env != nullptr && *env != '\0' ? "NAS_DATA_DIR" : "default ./data; set NAS_DATA_DIR or --dir";
}

std::string state_text(const data::DatasetStatus& st) {
  bool mismatch = false;
  int missing = 0, unverified = 0;
  for (const auto& f : st.files) {
    if (f.state == data::FileState::Mismatch) mismatch = true;
    if (f.state == data::FileState::Unverified) ++unverified;
    if (f.state == data::FileState::Missing && !f.optional) ++missing;
  }
  if (mismatch) return "MISMATCH";
  if (st.verified()) return "verified";
  if (st.complete()) return "unverified";
  bool any = false;
  for (const auto& f : st.files) any = any || f.state != data::FileState::Missing;
  return any ? "incomplete" : "missing";
}

}  // namespace

int cmd_data_list(const DataCommandOptions& options) {
  std::printf("data root: %s (%s)\n", abs(data::data_root(options.dir)).c_str(), root_origin(options.dir).c_str());
  std::printf("%-14s %-11s %s\n", "DATASET", "STATE", "WHERE");
  for (const auto& plain : data::catalog()) {
    const data::CatalogEntry entry = data::with_checksum_overrides(plain, options.checksums);
    const data::DatasetStatus st = data::dataset_status(entry, options.dir, true);
    const std::string state = state_text(st);
    const std::string indent(27, ' ');
    if (!st.folder.empty()) {
      std::printf("%-14s %-11s %s\n", entry.name.c_str(), state.c_str(), abs(st.folder).c_str());
    } else {
      std::printf("%-14s %-11s not found; `nashost data fetch %s` puts it in %s\n", entry.name.c_str(), state.c_str(),
                  entry.name.c_str(), abs(data::data_root(options.dir) / entry.folder).c_str());
      std::printf("%slooked in: %s\n", indent.c_str(), abs(st.searched.front()).c_str());
      for (size_t k = 1; k < st.searched.size(); ++k)
        std::printf("%s           %s\n", indent.c_str(), abs(st.searched[k]).c_str());
    }
    for (const auto& f : st.files) {
      if (f.state == data::FileState::Mismatch)
        std::printf("%s%s DIFFERS from the official file: %s\n", indent.c_str(), abs(f.path).c_str(), f.detail.c_str());
      else if (f.state == data::FileState::Unverified)
        std::printf("%s%s: not verified (%s)\n", indent.c_str(), abs(f.path).c_str(), f.detail.c_str());
      else if (f.state == data::FileState::Missing && !f.optional && state == "incomplete")
        std::printf("%s%s: missing\n", indent.c_str(), f.name.c_str());
    }
    if (!st.unreadable.empty()) std::printf("%snote: %s\n", indent.c_str(), st.unreadable.c_str());
  }
  return 0;
}

int cmd_data_fetch(const DataCommandOptions& options) {
  std::vector<std::string> names;
  for (const auto& n : options.names) {
    if (n == "all") {
      for (const auto& e : data::catalog()) names.push_back(e.name);
    } else {
      data::catalog_entry(n);  // an unknown name is a usage error before anything is fetched
      names.push_back(n);
    }
  }
  install_stop_handler();  // Ctrl-C: the transfer stops, its .part is kept for the next fetch
  data::FetchOptions fo;
  fo.mirrors = options.mirrors;
  fo.mirrors_only = options.mirrors_only;
  fo.checksum_file = options.checksums;
  fo.force = options.force;
  fo.stop_requested = [] { return stop_signal_received(); };
  int failed = 0;
  for (const auto& name : names) {
    try {
      const auto r = data::fetch_dataset(name, options.dir, fo);
      std::printf("%s: %s %s\n", name.c_str(), r.downloaded ? "fetched and verified in" : "already there in",
                  abs(r.folder).c_str());
    } catch (const Interrupted&) {
      throw;
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      spdlog::error("{}", e.what());
      ++failed;
    }
  }
  if (failed > 0 && names.size() > 1)
    spdlog::error("{} of {} datasets could not be fetched (see above)", failed, names.size());
  return failed == 0 ? 0 : 1;
}

void install_download_progress(bool enabled) {
  data::set_default_transfer_progress([enabled](const std::string& label, int64_t total, int64_t already) {
    return std::make_unique<ProgressBar>(label, total, enabled, ProgressBar::Unit::Bytes, already);
  });
}

}  // namespace nas::host
