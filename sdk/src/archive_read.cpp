#include "nashost/archive_read.hpp"

#include <c10/util/Exception.h>

#include "nashost/error.hpp"

namespace nas {

void read_archive(const std::filesystem::path& file, c10::Device device, const std::string& what,
                  const std::function<void(torch::serialize::InputArchive&)>& read) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw Error(what + " '" + file.string() + "' is a directory, not a file");
  if (!std::filesystem::exists(file, ec)) throw Error(what + " '" + file.string() + "' does not exist");
  auto corrupt = [&](const std::string& reason) {
    return Error(what + " '" + file.string() + "' is corrupt or incomplete (" + reason +
                 "); restore it from a copy, or start a new run without it");
  };
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string(), device);
    read(archive);
  } catch (const Error&) {
    throw;  // the caller's own message (wrong options, wrong format) is already specific
  } catch (const c10::Error& e) {
    throw corrupt(e.what_without_backtrace());  // what() would be a stack trace
  } catch (const std::exception& e) {
    throw corrupt(e.what());  // e.g. the JSON state inside the archive does not parse
  }
}

}  // namespace nas
