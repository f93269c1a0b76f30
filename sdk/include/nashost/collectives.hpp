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
};

/// This process's collectives; nullptr when the run is one process.
NASHOST_SDK_API Collectives* process_collectives();
/// Installed by the host for the length of a distributed run (nullptr to remove). The
/// object stays owned by the caller.
NASHOST_SDK_API void set_process_collectives(Collectives* collectives);

}  // namespace nas
