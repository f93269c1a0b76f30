#include "run_directory.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <regex>

#include "nashost/error.hpp"

namespace nas::host {
namespace fs = std::filesystem;

std::string sanitize_run_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
      out.push_back(c);
    else
      out.push_back('_');
  }
  return out.empty() ? "run" : out;
}

fs::path create_run_directory(const fs::path& runs_root, const std::string& name) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  const std::string base = sanitize_run_name(name) + "-" + stamp;
  std::error_code ec;
  fs::create_directories(runs_root, ec);
  if (ec) throw Error("cannot create runs folder '" + runs_root.string() + "': " + ec.message());
  for (int i = 1; i < 1000; ++i) {
    const fs::path dir = runs_root / (i == 1 ? base : base + "-" + std::to_string(i));
    if (fs::create_directory(dir, ec)) return dir;
    if (ec) throw Error("cannot create run directory '" + dir.string() + "': " + ec.message());
  }
  throw Error("cannot find a free run directory name under '" + runs_root.string() + "'");
}

std::optional<fs::path> newest_run_directory(const fs::path& runs_root, const std::string& name) {
  const std::regex pattern(std::regex_replace(sanitize_run_name(name), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                           R"(-\d{8}-\d{6}(-\d+)?)");
  std::optional<fs::path> best;
  std::error_code ec;
  if (!fs::is_directory(runs_root, ec)) return best;
  std::vector<fs::path> candidates;
  for (const auto& e : fs::directory_iterator(runs_root, ec))
    if (e.is_directory() && std::regex_match(e.path().filename().string(), pattern)) candidates.push_back(e.path());
  // Order by timestamp, then by the "-N" suffix of runs started in the same second.
  const size_t stamp_at = sanitize_run_name(name).size() + 1;
  auto key = [&](const fs::path& p) {
    const std::string f = p.filename().string();
    const std::string stamp = f.substr(stamp_at, 15);
    const int suffix = f.size() > stamp_at + 15 ? std::stoi(f.substr(stamp_at + 16)) : 1;
    return std::make_pair(stamp, suffix);
  };
  std::sort(candidates.begin(), candidates.end(),
            [&](const fs::path& a, const fs::path& b) { return key(a) < key(b); });
  if (!candidates.empty()) best = candidates.back();
  return best;
}

}  // namespace nas::host
