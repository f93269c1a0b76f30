// A result file is never left half-written: a failed write (disk full, an exception in the
// writer) keeps the previous version and leaves no temporary file behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nashost_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

size_t entries(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}
}  // namespace

TEST(AtomicWrite, FailedWriteKeepsThePreviousFile) {
  const fs::path dir = fresh_dir("atomic");
  const fs::path file = dir / "results.json";
  nas::atomic_write_text(file, "good\n");

  // the stream fails half-way, as on a full disk
  try {
    nas::atomic_write(file, [](std::ostream& out) {
      out << "partial";
      out.setstate(std::ios::badbit);
    });
    FAIL() << "a failed write must throw";
  } catch (const nas::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("previous version, if any, is kept"), std::string::npos) << msg;
    EXPECT_NE(msg.find("disk full?"), std::string::npos) << msg;
  }
  EXPECT_EQ(nas::read_text_file(file), "good\n");

  // the writer itself throws
  EXPECT_THROW(nas::atomic_write(file,
                                 [](std::ostream& out) {
                                   out << "half";
                                   throw std::runtime_error("NaN loss");
                                 }),
               nas::Error);
  EXPECT_EQ(nas::read_text_file(file), "good\n");
  EXPECT_EQ(entries(dir), 1u) << "a temporary file was left behind";

  fs::remove(file);
  fs::remove(dir);
}
