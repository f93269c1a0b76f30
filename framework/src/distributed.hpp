#pragma once
// Several `nashost run` processes (ranks) working on one run, through LibTorch's c10d:
// rendezvous on a TCPStore hosted by rank 0, collectives through ProcessGroupGloo.
//
// Who starts the ranks: torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT),
// Slurm's srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the master is the first host of
// the job's node list) or `nashost launch --nproc N -- run ...`. Without any of these, a
// run is one process, exactly as before.
//
// Faults: every rank beats a heartbeat counter in the store each second and watches the
// others'; a rank whose counter stands still for the timeout (it died or its machine is
// gone) or a store that cannot be reached (rank 0 is gone) stops the run with a message
// naming the rank, within the timeout, instead of a silent hang.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace c10d {
class Backend;
}

namespace nas::host {

/// Where this process stands in the run's world.
struct WorldInfo {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher = "none";  ///< "torchrun" (or any RANK/WORLD_SIZE launcher), "slurm", "none"
  bool distributed() const { return world_size > 1; }
};

/// The world from the environment (see the file comment); throws nas::ConfigError for
/// inconsistent variables (a rank outside the world, a world size below 1).
WorldInfo detect_world();
/// The first host of a Slurm node list: "node[03-05,09],gpu1" -> "node03".
std::string first_slurm_host(const std::string& node_list);

class Distributed {
 public:
  /// Joins the world: connects to (rank 0: hosts) the store and creates the Gloo process
  /// group. `timeout` bounds every wait: rendezvous, collectives, silent ranks.
  Distributed(const WorldInfo& world, std::chrono::seconds timeout);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return world_.rank; }
  int size() const { return world_.world_size; }
  const WorldInfo& world() const { return world_; }
  std::chrono::seconds timeout() const { return timeout_; }

  /// Every rank waits for every other (a Gloo barrier).
  void barrier();
  /// Sums `tensor` over the ranks in place (CPU tensors; Gloo).
  void all_reduce_sum(at::Tensor& tensor);
  /// Sums each tensor over the ranks in place; any shapes and dtypes, any device (the
  /// values travel as one flat CPU buffer per dtype: one collective per dtype).
  void all_reduce_sum(std::vector<at::Tensor>& tensors);
  /// Rank `root`'s `value` on every rank.
  std::string broadcast(const std::string& value, int root = 0);
  /// Rank `root`'s tensors on every rank, in place (as all_reduce_sum, one flat buffer).
  void broadcast(std::vector<at::Tensor>& tensors, int root);
  /// Whether CUDA tensors travel through NCCL (the torch build has it) rather than Gloo
  /// through host memory.
  static bool has_nccl();

  /// Publishes `value` under `key` for the other ranks.
  void publish(const std::string& key, const std::string& value);
  /// Waits for `keys` (published by any rank) and returns their values in order. Waits as
  /// long as the ranks that owe them are alive: a slow trial is not a fault; a dead rank is.
  std::vector<std::string> collect(const std::vector<std::string>& keys);

  /// The end of a run that went well: says this rank is done (its heartbeat may stop
  /// without alarming anyone) and waits until every rank is, so that rank 0, which hosts
  /// the store, leaves last.
  void finish();

  /// "rank 1 stopped responding ..." once a fault was seen, else empty; the host's stop
  /// flag is raised at the same moment (see host_context.hpp).
  std::string fault() const;

 private:
  void stop_watcher();

  /// NCCL for CUDA tensors (created at the first such collective), Gloo otherwise.
  c10d::Backend& backend_for(const at::Tensor& flat);

  struct State;
  WorldInfo world_;
  std::chrono::seconds timeout_;
  std::unique_ptr<State> state_;
};

/// The SDK's view of the ranks (nashost/collectives.hpp), installed for the components
/// while it lives: searches and trainers reach the process group through it.
class InstalledCollectives {
 public:
  explicit InstalledCollectives(Distributed& dist);
  ~InstalledCollectives();
  InstalledCollectives(const InstalledCollectives&) = delete;
  InstalledCollectives& operator=(const InstalledCollectives&) = delete;

 private:
  struct Adapter;
  std::unique_ptr<Adapter> adapter_;
};

}  // namespace nas::host
