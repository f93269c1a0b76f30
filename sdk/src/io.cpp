#include "nashost/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "nashost/error.hpp"

namespace nas {
namespace fs = std::filesystem;

namespace {

fs::path temp_path_for(const fs::path& file) {
  return file.parent_path() / (file.filename().string() + ".tmp-" + std::to_string(::getpid()));
}

void fsync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void commit(const fs::path& tmp, const fs::path& file) {
  fsync_path(tmp);
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("cannot write '" + file.string() + "': rename failed: " + ec.message());
  }
  fsync_path(file.parent_path().empty() ? fs::path(".") : file.parent_path());
}

}  // namespace

void atomic_write_file(const fs::path& file, const std::function<void(const fs::path&)>& write) {
  if (!file.parent_path().empty()) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (ec) throw Error("cannot create directory '" + file.parent_path().string() + "': " + ec.message());
  }
  const fs::path tmp = temp_path_for(file);
  try {
    write(tmp);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Error("cannot write '" + file.string() + "' (the previous version, if any, is kept): " + e.what());
  }
  commit(tmp, file);
}

void atomic_write(const fs::path& file, const std::function<void(std::ostream&)>& write) {
  atomic_write_file(file, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot open '" + tmp.string() + "': " + std::strerror(errno));
    write(out);
    out.flush();
    if (!out) throw Error("write failed (disk full?): " + std::string(std::strerror(errno)));
    out.close();
    if (out.fail()) throw Error("closing failed (disk full?): " + std::string(std::strerror(errno)));
  });
}

void atomic_write_text(const fs::path& file, const std::string& text) {
  atomic_write(file, [&](std::ostream& out) { out << text; });
}

std::string read_text_file(const fs::path& file) {
  // POSIX calls, so that errno says why: std::ifstream opens a directory without complaint
  // and then reads nothing, which the caller would report as an empty or malformed file.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot read '" + file.string() + "': " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error("cannot read '" + file.string() + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw Error("cannot read '" + file.string() + "': it is a directory, not a file");
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("error while reading '" + file.string() + "' after " + std::to_string(text.size()) +
                  " bytes: " + std::strerror(errno));
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace nas
