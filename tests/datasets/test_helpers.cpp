#include "test_helpers.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <unistd.h>
#include <zlib.h>

#include "nashost/support/remove_tree.hpp"

namespace fs = std::filesystem;

namespace nas::test {

TempDir::TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  path = fs::path(NASHOST_BINARY_DIR) / "test-tmp" /
         ("datasets-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  remove_tree(path);
  fs::create_directories(path);
}
TempDir::~TempDir() { remove_tree(path); }

void write_file(const fs::path& file, const std::vector<uint8_t>& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& plain) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::vector<uint8_t> out(deflateBound(&zs, plain.size()) + 64);
  zs.next_in = const_cast<Bytef*>(plain.data());
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

namespace {
void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
}  // namespace

std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows, uint32_t cols, uint32_t magic) {
  std::vector<uint8_t> b;
  put32(b, magic);
  put32(b, n);
  put32(b, rows);
  put32(b, cols);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t y = 0; y < rows; ++y)
      for (uint32_t x = 0; x < cols; ++x) b.push_back(static_cast<uint8_t>((i * 7 + y * 3 + x) % 256));
  return b;
}

std::vector<uint8_t> idx_labels(uint32_t n, uint32_t magic) {
  std::vector<uint8_t> b;
  put32(b, magic);
  put32(b, n);
  for (uint32_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i % 10));
  return b;
}

fs::path shared_data_root() {
  if (const char* env = std::getenv("NAS_DATA_DIR"); env != nullptr && *env != '\0') return env;
  throw std::runtime_error(
      "NAS_DATA_DIR is not set: the tests that read real datasets find them there only (tools/test.sh sets it)");
}

nas::Batch whole_split(nas::Dataset& d, nas::Split split) {
  nas::LoaderOptions lo;
  lo.batch_size = 1000;
  lo.shuffle = false;
  lo.workers = 0;
  return *d.loader(split, lo)->next();
}

}  // namespace nas::test
