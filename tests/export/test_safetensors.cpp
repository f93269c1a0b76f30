// The safetensors writer and reader (framework/src/export/safetensors.*): the layout the
// format prescribes, every dtype round trip, and damaged files refused by name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include <ATen/ATen.h>

#include "export/safetensors.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"
#include "nashost/support/remove_tree.hpp"

namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::path(NASHOST_BINARY_DIR) / "test-tmp" / ("safetensors-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { nas::remove_tree(path); }
};

TEST(Safetensors, HeaderLayoutAndRoundTrip) {
  TempDir dir;
  const fs::path file = dir.path / "w.safetensors";
  const nas::host::NamedTensors in{{"a.weight", at::randn({3, 4}).t()},  // not contiguous: written contiguous
                                   {"b", at::arange(5, at::kLong)},
                                   {"c", at::ones({2}, at::kBool)},
                                   {"d", at::randn({2}, at::kDouble)},
                                   {"e", at::zeros({0, 3})}};
  nas::host::write_safetensors(file, in, {{"format", "pt"}});
  const std::string bytes = nas::read_text_file(file);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);  // padded, so the data starts aligned
  const nas::Json header = nas::parse_json_text(bytes.substr(8, n), "header");
  EXPECT_EQ(header["__metadata__"]["format"], "pt");
  EXPECT_EQ(header["a.weight"]["dtype"], "F32");
  EXPECT_EQ(header["a.weight"]["shape"], nas::Json::array({4, 3}));
  EXPECT_EQ(header["a.weight"]["data_offsets"], nas::Json::array({0, 48}));
  EXPECT_EQ(header["b"]["data_offsets"], nas::Json::array({48, 88}));
  EXPECT_EQ(bytes.size(), 8 + n + 48 + 40 + 2 + 16 + 0);
  std::map<std::string, std::string> meta;
  const auto out = nas::host::read_safetensors(file, &meta);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].first, in[i].first);
    EXPECT_TRUE(at::equal(out[i].second, in[i].second)) << in[i].first;
  }
  EXPECT_EQ(meta["format"], "pt");
}

TEST(Safetensors, RefusesDuplicatesAndDamagedFiles) {
  TempDir dir;
  EXPECT_THROW(nas::host::write_safetensors(dir.path / "x", {{"a", at::ones(1)}, {"a", at::ones(1)}}), nas::Error);
  const fs::path file = dir.path / "w.safetensors";
  nas::host::write_safetensors(file, {{"a", at::ones({4})}});
  const std::string good = nas::read_text_file(file);
  nas::atomic_write_text(file, good.substr(0, good.size() - 4));  // truncated data
  EXPECT_THROW(nas::host::read_safetensors(file), nas::Error);
  std::string huge = good;
  const uint64_t n = uint64_t{1} << 40;
  std::memcpy(huge.data(), &n, 8);  // a header length beyond the file
  nas::atomic_write_text(file, huge);
  EXPECT_THROW(nas::host::read_safetensors(file), nas::Error);
}

}  // namespace
