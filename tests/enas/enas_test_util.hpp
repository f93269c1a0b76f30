#pragma once
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "enas_rnn_ops.hpp"
#include "rnn/rnn_dag.hpp"
#include "nashost/support/remove_tree.hpp"
#include "nashost/support/standalone_context.hpp"

namespace enas_test {

inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("nashost-enas-" + name + "-" + std::to_string(::getpid()));
  nas::remove_tree(dir);  // not std::filesystem::remove_all: see nashost/support/remove_tree.hpp
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::unique_ptr<nas::StandaloneContext> context(const std::string& name, uint64_t seed = 1,
                                                       c10::Device device = c10::Device(c10::kCPU)) {
  auto ctx = std::make_unique<nas::StandaloneContext>(temp_dir(name), seed, device);
  ctx->add_operation_set("enas-rnn", std::make_shared<nas::enas::EnasRnnOperationSet>());
  return ctx;
}

/// 0 -> 1 -> 2, 0 -> 3 -> 4: two siblings under node 0, every stock activation at least once.
inline nas::enas::Dag dag5() { return {{"tanh", -1}, {"ReLU", 0}, {"sigmoid", 1}, {"identity", 0}, {"tanh", 3}}; }

/// The real datasets' folder: $NAS_DATA_DIR (std::runtime_error saying so when it is not set).
inline std::string data_dir() {
  if (const char* d = std::getenv("NAS_DATA_DIR"); d != nullptr && *d != '\0') return d;
  throw std::runtime_error(
      "NAS_DATA_DIR is not set: the tests that read real datasets find them there only (tools/test.sh sets it)");
}

}  // namespace enas_test
