#pragma once
// `.nashost-fetched.sha256` in a dataset folder: the sha256 of every file fetch_dataset placed
// there, in sha256sum's format. Files without a published checksum (those unpacked from a
// verified CIFAR archive) are checked against it later by `nashost data list`.
#include <filesystem>
#include <map>
#include <string>

namespace nas::data::detail {

inline constexpr const char* kFetchRecord = ".nashost-fetched.sha256";

/// file name -> sha256 hex; empty when there is no (readable) record.
std::map<std::string, std::string> read_fetch_record(const std::filesystem::path& dir);

/// Adds or replaces the entry of `file` (in `dir`), rewriting the record atomically.
void record_fetched(const std::filesystem::path& dir, const std::string& file, const std::string& sha256);

}  // namespace nas::data::detail
