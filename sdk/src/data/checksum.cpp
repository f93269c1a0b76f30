#include "checksum.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/evp.h>

#include "nashost/error.hpp"

namespace nas::data::detail {

std::string file_digest(const std::filesystem::path& file, const std::string& algorithm) {
  const EVP_MD* md = algorithm == "md5" ? EVP_md5() : algorithm == "sha256" ? EVP_sha256() : nullptr;
  if (md == nullptr) throw Error("unknown checksum algorithm '" + algorithm + "' (md5 or sha256)");
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot read '" + file.string() + "' to check it: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
    throw Error("OpenSSL could not start a " + algorithm + " digest");
  static thread_local char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("error while reading '" + file.string() + "' to check it: " + std::strerror(errno));
    }
    EVP_DigestUpdate(ctx.get(), buffer, static_cast<size_t>(n));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

bool checksum_matches(const std::filesystem::path& file, const Checksum& expected, std::string* actual) {
  const std::string digest = file_digest(file, expected.algorithm);
  if (actual != nullptr) *actual = digest;
  return digest == expected.hex;
}

std::string describe(const Checksum& c) { return c.empty() ? "no checksum" : c.algorithm + " " + c.hex; }

}  // namespace nas::data::detail
