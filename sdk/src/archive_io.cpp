#include "nashost/archive_io.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace nas {

void save_archive(torch::serialize::OutputArchive& archive, const std::filesystem::path& file) {
  std::ostringstream bytes;
  try {
    archive.save_to(bytes);  // in memory: cannot fail for lack of disk space
  } catch (const std::exception& e) {
    throw Error("cannot serialise '" + file.string() + "': " + e.what());
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot open '" + file.string() + "' for writing: " + std::strerror(errno));
  const std::string data = std::move(bytes).str();
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.flush();
  if (!out) throw Error("cannot write '" + file.string() + "': " + std::strerror(errno));
  out.close();
  if (out.fail()) throw Error("cannot write '" + file.string() + "': " + std::strerror(errno));
}

void save_archive_atomically(torch::serialize::OutputArchive& archive, const std::filesystem::path& file) {
  atomic_write_file(file, [&](const std::filesystem::path& tmp) { save_archive(archive, tmp); });
}

}  // namespace nas
