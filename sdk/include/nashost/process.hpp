#pragma once
// Starting helper programs (Graphviz `dot`, gnuplot) without a shell.
//
// Arguments go to the program exactly as given: a run name, a path or a label containing
// `$(...)`, backquotes or quotes is never interpreted by anything. Never build a command
// line for std::system / popen; call run_program instead.
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/export.hpp"

namespace nas {

/// How a program started by run_program ended.
struct ProgramExit {
  bool started = false;  ///< false: the program was not found or could not be executed
  int exit_code = -1;    ///< the exit status when it exited normally, else -1
  int signal = 0;        ///< the signal that ended it, else 0
  bool ok() const { return started && exit_code == 0; }
};

/// Runs `argv[0]` (looked up on PATH) with `argv[1..]` and waits for it. With `output_log`
/// set, the program's stdout and stderr go to that file (created or truncated); otherwise
/// they are the host's. The program's stdin is /dev/null. Throws nas::Error only when the
/// log file cannot be opened; a missing program is reported through ProgramExit::started.
NASHOST_SDK_API ProgramExit run_program(const std::vector<std::string>& argv,
                                        const std::filesystem::path& output_log = {});

}  // namespace nas
