#pragma once
// `nashost launch --nproc N [--master-port P] -- run SCRIPT ...`: starts N local ranks of
// this nashost, as torchrun would, for users without torchrun.
#include <string>
#include <vector>

namespace nas::host {

/// Parses the launch arguments (everything after `launch`), starts the ranks with
/// RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT set, forwards Ctrl-C/SIGTERM to them
/// and waits. Returns 0 when every rank succeeded, else the first failing rank's exit code;
/// ranks still running `grace_seconds` after another failed are terminated.
int launch_local_ranks(const std::vector<std::string>& args);

}  // namespace nas::host
