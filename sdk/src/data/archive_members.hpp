#pragma once
// Taking named files out of a tar, tar.gz or zip archive with libarchive. Only the members
// asked for are read, each into a file of our choosing: nothing in the archive decides where
// anything is written (no path traversal, links or devices).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/dataset_catalog.hpp"
#include "nashost/error.hpp"

namespace nas::data::detail {

/// The archive's content is wrong (damaged, a member absent or too large, a checksum that
/// differs): another copy of it may be right. Other errors (the disk) are plain nas::Error.
class ArchiveProblem : public Error {
 public:
  using Error::Error;
};

struct MemberTarget {
  std::string path;                   ///< in the archive ("./" prefixes ignored)
  std::filesystem::path destination;  ///< final file; written atomically, only once verified
  Checksum checksum;                  ///< empty: not checked here (the archive was)
  bool optional = false;              ///< absent from the archive: no error
};

/// Extracts the members; each appears under its destination only complete and, when it has a
/// checksum, verified. ArchiveProblem naming the archive and the member when the archive is
/// damaged, a required member is absent, a member is over `max_member_bytes`, or a checksum
/// differs (members written before the failure stay: they are complete and verified).
void extract_members(const std::filesystem::path& archive, const std::vector<MemberTarget>& members,
                     int64_t max_member_bytes = int64_t{4} << 30);

}  // namespace nas::data::detail
