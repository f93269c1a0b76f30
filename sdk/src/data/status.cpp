// Where a dataset is and whether its files are the official ones (`nashost data list`, and
// the first thing `fetch_dataset` asks).
#include <fstream>
#include <map>
#include <sstream>

#include "checksum.hpp"
#include "fetch_record.hpp"
#include "nashost/data_fetch.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// The file under any accepted name in `dir`, else empty.
fs::path find_in(const fs::path& dir, const CatalogFile& f) {
  if (is_file(dir / f.name)) return dir / f.name;
  for (const auto& n : f.also)
    if (is_file(dir / n)) return dir / n;
  return {};
}

bool holds_all_required(const fs::path& dir, const CatalogEntry& e) {
  for (const auto& f : e.files)
    if (!f.optional && find_in(dir, f).empty()) return false;
  return true;
}

FileStatus check(const CatalogFile& f, const fs::path& path, bool verify) {
  FileStatus s{f.name, f.optional, path, FileState::Missing, ""};
  if (path.empty()) return s;
  if (!verify) {
    s.state = FileState::Unverified;
    s.detail = "not checked";
    return s;
  }
  // The catalog's checksum is of the file as published; another spelling (an inflated .gz)
  // can only be checked against what fetch_dataset recorded.
  Checksum expected = path.filename() == f.name ? f.checksum : Checksum{};
  std::string source = "the official checksum";
  if (expected.empty()) {
    const auto recorded = detail::read_fetch_record(path.parent_path());
    if (const auto it = recorded.find(path.filename().string()); it != recorded.end()) {
      expected = {"sha256", it->second};
      source = "the checksum recorded when it was fetched";
    }
  }
  if (expected.empty()) {
    s.state = FileState::Unverified;
    s.detail = path.filename() == f.name ? "no published checksum" : "no published checksum for this spelling";
    return s;
  }
  std::string actual;
  try {
    if (detail::checksum_matches(path, expected, &actual)) {
      s.state = FileState::Verified;
      return s;
    }
    s.detail = expected.algorithm + " " + actual + ", expected " + expected.hex + " (" + source + ")";
  } catch (const Error& e) {
    s.detail = e.what();
  }
  s.state = FileState::Mismatch;
  return s;
}

}  // namespace

bool DatasetStatus::complete() const {
  for (const auto& f : files)
    if (!f.optional && f.state == FileState::Missing) return false;
  return !files.empty();
}

bool DatasetStatus::verified() const {
  if (!complete()) return false;
  for (const auto& f : files)
    if (f.state == FileState::Unverified || f.state == FileState::Mismatch) return false;
  return true;
}

DatasetStatus dataset_status(const CatalogEntry& entry, const std::string& data_dir_option, bool verify) {
  DatasetStatus st;
  st.searched = search_dirs(entry, data_dir_option);
  for (const auto& dir : st.searched)
    if (holds_all_required(dir, entry)) {
      st.folder = dir;
      break;
    }
  for (const auto& f : entry.files) {
    fs::path hit;
    if (!st.folder.empty()) {
      hit = find_in(st.folder, f);
    } else {
      // Incomplete everywhere: show each file where the readers would find it.
      for (const auto& dir : st.searched)
        if (hit = find_in(dir, f); !hit.empty()) break;
    }
    st.files.push_back(check(f, hit, verify));
  }
  st.unreadable = unreadable_layouts_found(entry, data_dir_option);
  return st;
}

}  // namespace nas::data
