#pragma once
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "enas_rnn_ops.hpp"
#include "nashost/support/remove_tree.hpp"
#include "nashost/support/standalone_context.hpp"

namespace enas_test {

inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("nashost-enas-" + name + "-" + std::to_string(::getpid()));
  nas::remove_tree(dir);  // not std::filesystem::remove_all: see nashost/support/remove_tree.hpp
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::unique_ptr<nas::StandaloneContext> context(const std::string& name, uint64_t seed = 1) {
  auto ctx = std::make_unique<nas::StandaloneContext>(temp_dir(name), seed);
  ctx->add_operation_set("enas-rnn", std::make_shared<nas::enas::EnasRnnOperationSet>());
  return ctx;
}

inline std::string data_dir() {
  if (const char* d = std::getenv("NAS_DATA_DIR")) return d;
  return NASHOST_SHARED_DATA;
}

}  // namespace enas_test
