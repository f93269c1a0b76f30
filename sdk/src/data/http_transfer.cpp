#include "http_transfer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>

namespace fs = std::filesystem;

namespace nas::data::detail {

namespace {

std::string megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

// Everything the callbacks need; curl calls them on this thread.
struct State {
  int fd = -1;
  fs::path part;
  int64_t already = 0;  // bytes in the part before this transfer
  int64_t written = 0;  // bytes appended by this transfer
  int write_errno = 0;
  std::string no_space;  // set when the announced size does not fit the disk
  bool stopped = false;
  bool space_checked = false;
  const TransferSettings* settings = nullptr;
  std::unique_ptr<Progress> progress;
  int64_t shown = 0;  // bytes the progress display has been told about
};

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* s = static_cast<State*>(user);
  const size_t bytes = size * count;
  size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::write(s->fd, data + done, bytes - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      s->write_errno = errno;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    done += static_cast<size_t>(n);
  }
  s->written += static_cast<int64_t>(bytes);
  return bytes;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* s = static_cast<State*>(user);
  if (s->settings->stop_requested && s->settings->stop_requested()) {
    s->stopped = true;
    return 1;
  }
  if (total > 0 && !s->space_checked) {
    // A full disk is found before the transfer, not after hundreds of megabytes.
    s->space_checked = true;
    std::error_code ec;
    const auto space = fs::space(s->part.parent_path().empty() ? fs::path(".") : s->part.parent_path(), ec);
    if (!ec && static_cast<int64_t>(space.available) < total) {
      s->no_space = "the file needs " + megabytes(total) + " more, but only " +
                    megabytes(static_cast<int64_t>(space.available)) + " are free on the disk of " +
                    fs::absolute(s->part.parent_path()).string();
      return 1;
    }
  }
  const auto& factory = s->settings->progress;
  if (!s->progress && factory && (total > 0 || now > 0)) {
    s->progress = factory(s->settings->label, total > 0 ? s->already + total : 0, s->already);
  }
  if (s->progress && now > s->shown) {
    s->progress->advance(now - s->shown);
    s->shown = now;
  }
  return 0;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int64_t size_on_disk(const fs::path& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

TransferResult transfer(const std::string& url, const fs::path& part, const TransferSettings& settings) {
  global_init();
  State s;
  s.part = part;
  s.settings = &settings;
  s.fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (s.fd < 0)
    return {Outcome::LocalWriteFailed, "cannot write " + part.string() + ": " + std::strerror(errno),
            size_on_disk(part)};
  s.already = size_on_disk(part);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{s.fd};

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return {Outcome::Unreachable, "libcurl could not start a transfer", s.already};
  CURL* h = curl.get();
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: threads may be running
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
  // A redirect may not lead to a local file (file://) or another protocol.
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,ftp,file");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);  // an error page is never written as data
  curl_easy_setopt(h, CURLOPT_USERAGENT, "nashost-data-fetch (libcurl)");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, settings.connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, settings.stall_timeout_s);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  if (s.already > 0) curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(s.already));

  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (s.progress && rc == CURLE_OK) s.progress->finish();
  s.progress.reset();
  const int64_t on_disk = s.already + s.written;
  const std::string reason = error[0] != '\0' ? error : curl_easy_strerror(rc);
  if (rc != CURLE_OK && on_disk == 0) ::unlink(part.c_str());  // an empty .part resumes nothing

  if (rc == CURLE_OK) return {Outcome::Complete, "", on_disk};
  if (s.stopped) return {Outcome::Stopped, "stopped on request", on_disk};
  if (!s.no_space.empty()) return {Outcome::LocalWriteFailed, s.no_space, on_disk};
  if (rc == CURLE_WRITE_ERROR && s.write_errno != 0)
    return {Outcome::LocalWriteFailed, "cannot write " + part.string() + ": " + std::strerror(s.write_errno), on_disk};
  if (rc == CURLE_RANGE_ERROR) return {Outcome::RangeRefused, reason, on_disk};
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    const std::string http = "HTTP " + std::to_string(status);
    if (status == 416) return {Outcome::RangeRefused, http + " (range not satisfiable)", on_disk};
    if (status == 408 || status == 429 || status >= 500)
      return {Outcome::Cut, http + " (server busy or failing)", on_disk};
    return {Outcome::NotFound, http + (status == 404 ? " (not found)" : status == 403 ? " (forbidden)" : ""), on_disk};
  }
  switch (rc) {
    case CURLE_FILE_COULDNT_READ_FILE:
    case CURLE_REMOTE_FILE_NOT_FOUND:
      return {Outcome::NotFound, reason, on_disk};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_REMOTE_ACCESS_DENIED:
      return {Outcome::Unreachable, reason, on_disk};
    default:
      // Broken off after the server answered (cut, stalled, reset): worth resuming. Nothing
      // received and no answer (a connect timeout behind a firewall): the next URL.
      return {s.written > 0 || status != 0 ? Outcome::Cut : Outcome::Unreachable, reason, on_disk};
  }
}

}  // namespace nas::data::detail
