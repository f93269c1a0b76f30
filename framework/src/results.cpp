#include "results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "nashost/io.hpp"

namespace nas::host {

void Results::record(Json row) { rows_.push_back(std::move(row)); }

std::vector<std::string> Results::columns(const std::vector<std::string>& requested) const {
  if (!requested.empty()) return requested;
  std::vector<std::string> cols;
  for (const auto& row : rows_)
    for (const auto& [k, _] : row.items())
      if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
  return cols;
}

std::string format_cell(const Json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    char buf[32];
    std::snprintf(buf, sizeof(buf), std::fabs(d) >= 1e-3 || d == 0 ? "%.4f" : "%.3e", d);
    return buf;
  }
  return v.dump();
}

std::string Results::format_table(const std::string& title, const std::vector<std::string>& requested) const {
  const auto cols = columns(requested);
  std::vector<size_t> width(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    width[c] = cols[c].size();
    for (const auto& row : rows_)
      width[c] = std::max(width[c], format_cell(row.contains(cols[c]) ? row[cols[c]] : Json()).size());
  }
  std::ostringstream out;
  size_t total = 1;
  for (size_t w : width) total += w + 3;
  if (!title.empty()) out << title << "\n";
  auto rule = [&] { out << std::string(total, '-') << "\n"; };
  rule();
  out << "|";
  for (size_t c = 0; c < cols.size(); ++c) out << " " << cols[c] << std::string(width[c] - cols[c].size(), ' ') << " |";
  out << "\n";
  rule();
  for (const auto& row : rows_) {
    out << "|";
    for (size_t c = 0; c < cols.size(); ++c) {
      const Json v = row.contains(cols[c]) ? row[cols[c]] : Json();
      const std::string s = format_cell(v);
      const std::string pad(width[c] - s.size(), ' ');
      out << " " << (v.is_number() ? pad + s : s + pad) << " |";
    }
    out << "\n";
  }
  rule();
  return out.str();
}

namespace {
std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
}  // namespace

void Results::write(const std::filesystem::path& dir, const std::vector<std::string>& requested) const {
  const auto cols = columns(requested);
  std::ostringstream csv;
  for (size_t c = 0; c < cols.size(); ++c) csv << (c ? "," : "") << csv_escape(cols[c]);
  csv << "\n";
  for (const auto& row : rows_) {
    for (size_t c = 0; c < cols.size(); ++c) {
      const Json v = row.contains(cols[c]) ? row[cols[c]] : Json();
      csv << (c ? "," : "") << csv_escape(v.is_null() ? "" : v.is_string() ? v.get<std::string>() : v.dump());
    }
    csv << "\n";
  }
  atomic_write_text(dir / "results.csv", csv.str());
  atomic_write_text(dir / "results.json", Json(rows_).dump(2) + "\n");
}

}  // namespace nas::host
