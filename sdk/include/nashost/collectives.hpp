#pragma once
// The ranks of a distributed run, as the components see them. The host installs the
// process's collectives when several ranks run one job (torchrun, srun, `nashost launch`:
// docs/distributed.md); a plugin asks for them with process_collectives() and gets nullptr
// when the run is one process. Searches use them through nn::DataParallel
// (nashost/nn/data_parallel.hpp) rather than directly.
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/export.hpp"

namespace nas {

/// Collective operations over every rank of the run (LibTorch c10d: Gloo on the CPU).
/// Every rank must make the same calls in the same order with tensors of the same shapes;
/// a rank that dies or stops answering makes the call throw nas::Error naming it.
class NASHOST_SDK_API Collectives {
 public:
  virtual ~Collectives();
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  /// Sums each tensor over the ranks, in place. Tensors may differ in shape and dtype
  /// from one another (they travel as one flat buffer per dtype).
  virtual void all_reduce_sum(std::vector<at::Tensor>& tensors) = 0;
  /// Overwrites each tensor with rank `root`'s, in place.
  virtual void broadcast(std::vector<at::Tensor>& tensors, int root) = 0;
  /// Returns when every rank has reached this call, however long an alive rank takes; a
  /// rank that died makes it throw nas::Error naming it. The collectives above give up
  /// after the run's --dist-timeout, so call this first where the ranks arrive after
  /// uneven work (parallel trials of different lengths).
  virtual void wait_for_all() = 0;
};

/// This process's collectives; nullptr when the run is one process.
NASHOST_SDK_API Collectives* process_collectives();
/// Installed by the host for the length of a distributed run (nullptr to remove). The
/// object stays owned by the caller.
NASHOST_SDK_API void set_process_collectives(Collectives* collectives);

/// For its lifetime the process sees a one-process world (process_collectives() is nullptr),
/// then the ranks again: a trial that one rank runs alone while the others run theirs (a
/// search or trainer inside must not wait for the busy ranks in a collective).
class OneProcessScope {
 public:
  OneProcessScope() : ranks_(process_collectives()) { set_process_collectives(nullptr); }
  ~OneProcessScope() { set_process_collectives(ranks_); }
  OneProcessScope(const OneProcessScope&) = delete;
  OneProcessScope& operator=(const OneProcessScope&) = delete;

 private:
  Collectives* ranks_;
};

}  // namespace nas
