#include "fixture_server.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "nashost/support/remove_tree.hpp"

namespace fs = std::filesystem;

namespace nas::test {

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int run(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

FixtureServer* FixtureServer::get() {
  static FixtureServer* server = []() -> FixtureServer* {
    if (!fs::exists(NASHOST_PYTHON)) return nullptr;
    auto* s = new FixtureServer;
    s->dir_ = fs::path(NASHOST_BINARY_DIR) / "test-tmp" / ("data-fetch-server-" + std::to_string(::getpid()));
    remove_tree(s->dir_);
    fs::create_directories(s->dir_);
    int status = 0;
    ::waitpid(run({NASHOST_PYTHON, FIXTURE_SERVER, "make", s->dir_.string()}), &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return nullptr;
    s->pid_ = run({NASHOST_PYTHON, FIXTURE_SERVER, "serve", s->dir_.string(), (s->dir_ / "port").string(),
                   (s->dir_ / "requests.log").string()});
    for (int i = 0; i < 200 && s->port_ == 0; ++i) {  // up to 10 s for Python to start
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      s->port_ = std::atoi(slurp(s->dir_ / "port").c_str());
    }
    if (s->port_ == 0) return nullptr;
    std::atexit([] { FixtureServer::get()->stop(); });
    return s;
  }();
  return server;
}

std::string FixtureServer::url(const std::string& mode) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + mode;
}

std::string FixtureServer::log() const { return slurp(dir_ / "requests.log"); }

void FixtureServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    remove_tree(dir_);
  }
}

int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // bound, never listened: the port refuses connections until someone takes it
  return ntohs(addr.sin_port);
}

}  // namespace nas::test
