#pragma once
// File digests (md5, sha256) for verifying downloads, with OpenSSL's EVP: the published
// checksums of MNIST, Fashion-MNIST and CIFAR are md5, and ours for PTB/WikiText-2 are sha256.
#include <filesystem>
#include <string>

#include "nashost/dataset_catalog.hpp"

namespace nas::data::detail {

/// Lower-case hex digest of the whole file; nas::Error naming the file when it cannot be read.
std::string file_digest(const std::filesystem::path& file, const std::string& algorithm);

/// Whether the file has checksum `expected` (not empty); `actual` receives its digest.
bool checksum_matches(const std::filesystem::path& file, const Checksum& expected, std::string* actual = nullptr);

/// "md5 8d4f..." for messages.
std::string describe(const Checksum& c);

}  // namespace nas::data::detail
