#include "export_command.hpp"

#include <cstdio>

#include "model_export.hpp"
#include "model_import.hpp"
#include "nashost/error.hpp"

namespace nas::host {
namespace fs = std::filesystem;

int cmd_export(const fs::path& what, const fs::path& out) {
  std::error_code ec;
  std::vector<ExportResult> done;
  if (fs::is_directory(what / "train", ec)) {  // a run directory: -o is the root of one folder per model
    done = export_run(what, out);
  } else {
    done.push_back(export_model(what, out.empty() ? default_export_dir(what) : out));
  }
  for (const auto& r : done)
    std::printf("%s  (%s, %lld tensors, from %s)\n", r.dir.string().c_str(), r.network.c_str(),
                static_cast<long long>(r.tensors), r.model_file.string().c_str());
  return 0;
}

int cmd_import(const fs::path& export_dir, const fs::path& out) {
  const ImportResult r = import_model(export_dir, out.empty() ? export_dir / "nashost" / "model.pt" : out);
  std::printf("%s  (%s, %lld tensors, %lld parameters)\n", r.model_file.string().c_str(), r.network.c_str(),
              static_cast<long long>(r.tensors), static_cast<long long>(r.params));
  return 0;
}

}  // namespace nas::host
