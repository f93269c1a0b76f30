#pragma once
// Rows recorded by a script (nas.record) and the results table (nas.report).
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/config.hpp"

namespace nas::host {

class Results {
 public:
  void record(Json row);
  const std::vector<Json>& rows() const { return rows_; }
  /// Columns: `columns` if given, else every key in first-seen order.
  std::vector<std::string> columns(const std::vector<std::string>& requested = {}) const;
  /// A plain-text table (numbers right-aligned, floats with 4 significant decimals).
  std::string format_table(const std::string& title, const std::vector<std::string>& requested = {}) const;
  /// results.csv and results.json in `dir`, written atomically.
  void write(const std::filesystem::path& dir, const std::vector<std::string>& requested = {}) const;

 private:
  std::vector<Json> rows_;
};

/// A cell as text: integers plainly, floats with up to 4 decimals, strings as-is, missing as "-".
std::string format_cell(const Json& value);

}  // namespace nas::host
