#include "nashost/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "nashost/error.hpp"

extern char** environ;

namespace nas {

ProgramExit run_program(const std::vector<std::string>& argv, const std::filesystem::path& output_log) {
  if (argv.empty()) throw Error("run_program: no program given");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!output_log.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ProgramExit out;
  if (rc != 0) {
    // glibc reports a failed exec (program missing) and a failed file action (log not
    // writable) through the return value; tell them apart for the message.
    if (!output_log.empty() && rc != ENOENT && rc != EACCES)
      throw Error("cannot start '" + argv[0] + "' writing to '" + output_log.string() + "': " + std::strerror(rc));
    return out;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return out;
  }
  out.started = true;
  if (WIFEXITED(status)) {
    out.exit_code = WEXITSTATUS(status);
    if (out.exit_code == 127) out.started = false;  // the spawn helper's "exec failed"
  } else if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  }
  return out;
}

}  // namespace nas
