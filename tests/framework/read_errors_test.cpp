// Files that are not what they should be get messages a person can act on: a directory
// given as a config (or as its `extends`), an option beyond its limit, a damaged checkpoint.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/output-archive.h>

#include "config_loader.hpp"
#include "nashost/archive_read.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/support/remove_tree.hpp"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("nashost-read-errors-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    nas::remove_tree(path);
    fs::create_directories(path);
  }
  ~TempDir() { nas::remove_tree(path); }
  fs::path path;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const nas::Error& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(ReadErrors, ConfigThatIsADirectorySaysSo) {
  TempDir tmp;
  const std::string e = error_of([&] { nas::host::load_toml_file(tmp.path); });
  EXPECT_TRUE(has(e, tmp.path.string())) << e;
  EXPECT_TRUE(has(e, "is a directory")) << e;
  // The same through `extends`.
  fs::create_directories(tmp.path / "base.toml");
  std::ofstream(tmp.path / "run.toml") << "extends = \"base.toml\"\n[search]\nepochs = 1\n";
  const std::string x = error_of([&] { nas::host::load_toml_file(tmp.path / "run.toml"); });
  EXPECT_TRUE(has(x, "base.toml")) << x;
  EXPECT_TRUE(has(x, "is a directory")) << x;
}

TEST(ReadErrors, ReadTextFileSaysWhyItCannotRead) {
  TempDir tmp;
  EXPECT_TRUE(has(error_of([&] { nas::read_text_file(tmp.path / "absent"); }), "No such file or directory"));
  std::ofstream(tmp.path / "f.txt") << "x\ny";
  EXPECT_EQ(nas::read_text_file(tmp.path / "f.txt"), "x\ny");
  EXPECT_TRUE(has(error_of([&] { nas::read_text_file(tmp.path / "f.txt" / "g"); }), "Not a directory"));
  if (::geteuid() != 0) {  // root reads every file
    fs::permissions(tmp.path / "f.txt", fs::perms::none);
    EXPECT_TRUE(has(error_of([&] { nas::read_text_file(tmp.path / "f.txt"); }), "Permission denied"));
  }
}

TEST(ReadErrors, IntOptionBeyondItsLimitNamesKeyAndRange) {
  const nas::Config c(nas::Json{{"layers", 1000000}}, "search");
  const std::string e = error_of([&] { c.get_int_in("layers", 1, 256); });
  EXPECT_EQ(e, "option 'search.layers' must be in 1..256, got 1000000");
  EXPECT_EQ(c.get_int_in("layers", 1, 1000000), 1000000);
}

TEST(ReadErrors, CorruptRngTensorInACheckpointNamesTheFile) {
  TempDir tmp;
  const fs::path file = tmp.path / "search.ckpt";
  torch::serialize::OutputArchive out;
  out.write("rng_cpu", at::zeros({3}), /*is_buffer=*/true);  // a CPU generator state is 5056 bytes
  out.save_to(file.string());
  const std::string e = error_of([&] {
    nas::read_archive(file, c10::Device(c10::kCPU), "test checkpoint", [](torch::serialize::InputArchive& a) {
      at::Tensor rng;
      a.read("rng_cpu", rng, true);
      at::Generator gen = at::detail::createCPUGenerator();
      gen.set_state(rng);
    });
  });
  EXPECT_TRUE(has(e, "test checkpoint '" + file.string() + "' is corrupt")) << e;
  EXPECT_FALSE(has(e, "Exception raised from")) << e;  // no C++ stack trace
  // A missing entry, an absent file and a directory, each said as such.
  EXPECT_TRUE(has(error_of([&] {
                    nas::read_archive(file, c10::Device(c10::kCPU), "test checkpoint",
                                      [](torch::serialize::InputArchive& a) {
                                        at::Tensor t;
                                        a.read("absent", t);
                                      });
                  }),
                  "is corrupt"));
  EXPECT_TRUE(has(error_of([&] { nas::read_archive(tmp.path / "none.ckpt", c10::kCPU, "x", {}); }), "does not exist"));
  EXPECT_TRUE(has(error_of([&] { nas::read_archive(tmp.path, c10::kCPU, "x", {}); }), "is a directory"));
  // The caller's own errors pass through unchanged.
  EXPECT_EQ(error_of([&] {
              nas::read_archive(file, c10::kCPU, "x",
                                [](torch::serialize::InputArchive&) { throw nas::Error("mine"); });
            }),
            "mine");
}
