#include "common/data_files.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <zlib.h>

#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

std::vector<fs::path> data_dirs(const std::string& data_dir_option, const std::string& dir_name) {
  if (!data_dir_option.empty()) {
    fs::path dir(data_dir_option);
    return {dir, dir / dir_name};
  }
  if (const char* env = std::getenv("NAS_DATA_DIR"); env != nullptr && *env != '\0') return {fs::path(env) / dir_name};
  return {fs::path("data") / dir_name};
}

std::vector<fs::path> find_files(const std::string& dataset, const std::vector<fs::path>& dirs,
                                 const std::vector<FileWanted>& wanted, const std::string& source_hint) {
  std::vector<fs::path> found;
  std::ostringstream missing;
  bool any_missing = false;
  for (const auto& want : wanted) {
    fs::path hit;
    std::vector<fs::path> tried;
    for (const auto& dir : dirs) {
      for (const auto& name : want.names) {
        fs::path candidate = dir / name;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) {
          hit = candidate;
          break;
        }
        tried.push_back(candidate);
      }
      if (!hit.empty()) break;
    }
    if (hit.empty()) {
      any_missing = true;
      missing << "\n  " << want.what << ": tried";
      for (const auto& t : tried) missing << "\n    " << fs::absolute(t).string();
    }
    found.push_back(hit);
  }
  if (any_missing) {
    // The dataset's own folder for the NAS_DATA_DIR hint: the second entry when the first is
    // the data_dir option itself (data_dirs, and the catalog's search_dirs, start with it).
    const fs::path& folder = dirs.size() >= 2 && dirs[1].parent_path() == dirs[0] ? dirs[1] : dirs.front();
    // DataMissingError: the files are absent, so a script may fall back to other data (loudly).
    throw DataMissingError("dataset '" + dataset + "': data files not found:" + missing.str() +
                           "\n  Get the official files from " + source_hint +
                           "\n  and put them in one of the folders above, or set the dataset option "
                           "`data_dir` (or the environment variable NAS_DATA_DIR, the parent of a '" +
                           folder.filename().string() + "' folder).");
  }
  return found;
}

std::vector<uint8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError("cannot open data file " + file.string() + " for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw DataError("cannot determine the size of data file " + file.string());
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw DataError("read error in data file " + file.string() + " after " + std::to_string(in.gcount()) + " of " +
                    std::to_string(size) + " bytes");
  return bytes;
}

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& compressed, const fs::path& file) {
  std::vector<uint8_t> out;
  // The gzip trailer holds the uncompressed size mod 2^32: a good first reservation, but only
  // a hint from the file itself: a forged trailer must not reserve gigabytes (found by
  // fuzzing, tests/fuzz/regressions), so it is capped at 16x the compressed size.
  if (compressed.size() >= 18) {
    const uint8_t* t = compressed.data() + compressed.size() - 4;
    const size_t claimed = static_cast<size_t>(t[0]) | static_cast<size_t>(t[1]) << 8 |
                           static_cast<size_t>(t[2]) << 16 | static_cast<size_t>(t[3]) << 24;
    out.reserve(std::min(claimed, compressed.size() * 16));
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw DataError("zlib could not start inflating " + file.string());
  struct Guard {
    z_stream* zs;
    ~Guard() { inflateEnd(zs); }
  } guard{&zs};

  size_t offset = 0;  // start of the current gzip member in `compressed`
  uint8_t buffer[1 << 16];
  while (offset < compressed.size()) {
    zs.next_in = const_cast<Bytef*>(compressed.data() + offset);
    const size_t avail = compressed.size() - offset;
    zs.avail_in = static_cast<uInt>(std::min<size_t>(avail, UINT32_MAX));
    const uLong start_total_in = zs.total_in;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      zs.next_out = buffer;
      zs.avail_out = sizeof(buffer);
      rc = inflate(&zs, Z_NO_FLUSH);
      out.insert(out.end(), buffer, buffer + (sizeof(buffer) - zs.avail_out));
      if (rc == Z_STREAM_END) break;
      if (rc == Z_OK) continue;
      const size_t at = offset + (zs.total_in - start_total_in);
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
        throw DataError("truncated gzip file " + file.string() + ": the compressed data ends at byte offset " +
                        std::to_string(at) + " before the end of the stream (" + std::to_string(out.size()) +
                        " bytes inflated so far); download the file again");
      }
      throw DataError("corrupt gzip file " + file.string() + " near byte offset " + std::to_string(at) + ": " +
                      (zs.msg != nullptr ? zs.msg : "zlib error " + std::to_string(rc)) + "; download the file again");
    }
    offset += zs.total_in - start_total_in;
    // Another member may follow (concatenated gzip); trailing zero padding is tolerated.
    while (offset < compressed.size() && compressed[offset] == 0) ++offset;
    if (offset < compressed.size()) {
      if (compressed.size() - offset < 2 || compressed[offset] != 0x1f || compressed[offset + 1] != 0x8b)
        throw DataError("corrupt gzip file " + file.string() +
                        ": unexpected bytes after the compressed stream at byte offset " + std::to_string(offset));
      inflateReset(&zs);
      zs.total_in = 0;
    }
  }
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const fs::path& file) {
  auto bytes = read_bytes(file);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(bytes, file);
  return bytes;
}

}  // namespace nas::data
