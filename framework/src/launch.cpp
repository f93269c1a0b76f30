#include "launch.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "nashost/error.hpp"

namespace nas::host {

namespace {

std::vector<pid_t> g_children;
extern "C" void forward_signal(int signal) {
  for (pid_t pid : g_children)
    if (pid > 0) ::kill(pid, signal);
}

/// A TCP port that is free now (the kernel picks it); ranks of two launches on one machine
/// (parallel tests, two users) must not meet each other's store.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("launch: cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw Error("launch: cannot find a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

int parse_count(const std::string& flag, const std::string& value, int max) {
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < 1 || n > max)
    throw ConfigError("launch: " + flag + " must be a number from 1 to " + std::to_string(max) + ", got '" + value +
                      "'");
  return static_cast<int>(n);
}

}  // namespace

int launch_local_ranks(const std::vector<std::string>& args) {
  int nproc = 0, port = 0, grace = 60;
  size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw ConfigError("launch: " + a + " needs a value");
      return args[++i];
    };
    if (a == "--nproc" || a == "--nproc-per-node")
      nproc = parse_count(a, value(), 1024);
    else if (a == "--master-port")
      port = parse_count(a, value(), 65535);
    else if (a == "--grace")
      grace = parse_count(a, value(), 86400);
    else
      throw ConfigError("launch: unknown option '" + a +
                        "' (usage: nashost launch --nproc N [--master-port P] -- run SCRIPT ...)");
  }
  if (nproc == 0)
    throw ConfigError("launch: --nproc N is required (usage: nashost launch --nproc N -- run SCRIPT ...)");
  if (i >= args.size() || i + 1 >= args.size())
    throw ConfigError(
        "launch: give the nashost command after --, e.g. nashost launch --nproc 2 -- run scripts/fmnist_hyper.lua");
  if (port == 0) port = free_port();

  const std::string self = boost::dll::program_location().string();
  std::vector<std::string> argv_s{self};
  argv_s.insert(argv_s.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::fprintf(stderr, "nashost launch: %d ranks on 127.0.0.1:%d\n", nproc, port);
  ::signal(SIGINT, forward_signal);
  ::signal(SIGTERM, forward_signal);
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("launch: cannot start rank " + std::to_string(rank));
    if (pid == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::execv(self.c_str(), argv.data());
      std::perror("nashost launch: exec");
      _exit(127);
    }
    g_children.push_back(pid);
  }

  // Wait for all; once one fails, the others get `grace` seconds to notice (they stop
  // themselves within their --dist-timeout), then SIGTERM, then SIGKILL.
  int first_failure = 0;
  auto deadline = std::chrono::steady_clock::time_point::max();
  size_t running = g_children.size();
  bool terminated = false;
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      --running;
      for (size_t r = 0; r < g_children.size(); ++r)
        if (g_children[r] == pid) {
          g_children[r] = -1;
          const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          if (code != 0 && first_failure == 0) {
            first_failure = code;
            std::fprintf(stderr, "nashost launch: rank %zu exited with %d\n", r, code);
            deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
          }
        }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      forward_signal(terminated ? SIGKILL : SIGTERM);
      terminated = true;
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return first_failure;
}

}  // namespace nas::host
