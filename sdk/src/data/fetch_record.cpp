#include "fetch_record.hpp"

#include <fstream>
#include <sstream>

#include "nashost/io.hpp"

namespace nas::data::detail {

std::map<std::string, std::string> read_fetch_record(const std::filesystem::path& dir) {
  std::map<std::string, std::string> record;
  std::ifstream in(dir / kFetchRecord);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string hex, name;
    if (words >> hex >> name && hex.size() == 64) record[name] = hex;
  }
  return record;
}

void record_fetched(const std::filesystem::path& dir, const std::string& file, const std::string& sha256) {
  auto record = read_fetch_record(dir);
  record[file] = sha256;
  std::string text;
  for (const auto& [name, hex] : record) text += hex + "  " + name + "\n";
  atomic_write_text(dir / kFetchRecord, text);
}

}  // namespace nas::data::detail
