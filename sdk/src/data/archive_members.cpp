#include "archive_members.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include <archive.h>
#include <archive_entry.h>

#include "checksum.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace fs = std::filesystem;

namespace nas::data::detail {

namespace {

std::string normalised(std::string path) {
  while (path.rfind("./", 0) == 0) path.erase(0, 2);
  return path;
}

// Copies the current entry's data into `file`. A content problem is stored in `problem` (and
// thrown, which makes atomic_write_file drop the temporary); a write failure is an Error.
void copy_entry(archive* a, const fs::path& file, const std::string& what, int64_t max_bytes, std::string& problem) {
  auto content = [&](const std::string& message) {
    problem = message;
    throw Error(message);
  };
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write " + file.string() + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  int64_t total = 0;
  char buffer[1 << 16];
  while (true) {
    const la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) content(what + ": " + archive_error_string(a) + " (the archive is damaged)");
    total += n;
    if (total > max_bytes)
      content(what + ": larger than " + std::to_string(max_bytes) + " bytes; not the expected file");
    for (la_ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(fd, buffer + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        throw Error("cannot write " + file.string() + ": " + std::strerror(errno));
      }
      done += w;
    }
  }
}

}  // namespace

void extract_members(const fs::path& archive_file, const std::vector<MemberTarget>& members, int64_t max_member_bytes) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_zip(a.get());
  const std::string name = archive_file.string();
  if (archive_read_open_filename(a.get(), archive_file.c_str(), 1 << 16) != ARCHIVE_OK)
    throw ArchiveProblem("cannot open the archive " + name + ": " + archive_error_string(a.get()));
  std::set<std::string> done;
  archive_entry* entry = nullptr;
  while (true) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN)
      throw ArchiveProblem("the archive " + name + " is damaged: " + archive_error_string(a.get()));
    if (archive_entry_filetype(entry) != AE_IFREG) continue;  // folders, links, devices: never written
    const std::string path = normalised(archive_entry_pathname(entry));
    for (const auto& m : members) {
      if (normalised(m.path) != path || done.count(path) != 0) continue;
      const std::string what = "member " + path + " of " + name;
      std::string problem;
      try {
        atomic_write_file(m.destination, [&](const fs::path& tmp) {
          copy_entry(a.get(), tmp, what, max_member_bytes, problem);
          std::string actual;
          if (!m.checksum.empty() && !checksum_matches(tmp, m.checksum, &actual)) {
            problem = what + " has " + m.checksum.algorithm + " " + actual + ", not the official " + m.checksum.hex;
            throw Error(problem);
          }
        });
      } catch (const Error&) {
        if (!problem.empty()) throw ArchiveProblem(problem);
        throw;
      }
      done.insert(path);
      break;
    }
  }
  for (const auto& m : members)
    if (!m.optional && done.count(normalised(m.path)) == 0)
      throw ArchiveProblem("the archive " + name + " has no member " + normalised(m.path) +
                           "; it is not the expected archive");
}

}  // namespace nas::data::detail
