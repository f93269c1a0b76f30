#pragma once
// Runs several mixed edges of a DARTS search cell as one batch (SDK-internal).
//
// Why: a search step runs 14 edges × 7 ops per cell as separate small kernels, forward
// and backward, and is bound by their launches (on a GPU most of all). The k edges of a
// batch run each candidate op as ONE grouped kernel over their inputs concatenated along
// the channels: depthwise convolutions with k·C groups, pointwise ones with k groups, one
// batch_norm over k·C channels, one pooling.
//
// Exactness: every edge keeps its own modules, so state dicts, checkpoints, parameter
// counts and the discrete forward are unchanged. The edges' weights are concatenated on
// every forward (the backward of `cat` hands each edge its slice of the gradient). The
// edges' BatchNorm running statistics are made views of one concatenated buffer, so the
// grouped batch_norm updates each edge's own buffers in place (and the BN step counters
// of the whole batch are views of one tensor, stepped once per forward); the views are rebuilt
// whenever something replaced a buffer (Module::to, loading a checkpoint). Ops of types
// this file does not know run edge by edge and are concatenated: slower, still exact.
#include <cstdint>
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/operation_set.hpp"

namespace nas::nn {

class EdgeBatch {
 public:
  /// edge_ops[i]: the candidate ops of edge i, in the operation set's order (all edges of a
  /// batch are built from one set with one stride).
  explicit EdgeBatch(std::vector<std::vector<std::shared_ptr<Op>>> edge_ops);
  ~EdgeBatch();
  EdgeBatch(const EdgeBatch&) = delete;
  EdgeBatch& operator=(const EdgeBatch&) = delete;

  /// xs: the input of each edge (all [N, C, H, W]); w: op weights of these edges, [k, O]
  /// or per example [N, k, O]. Returns Σ_o w_o · o(x) of every edge as [N, k, C, H', W'].
  /// channels_last: run every op on dense channels-last tensors (inputs are converted once
  /// per batch), with gradients kept in that layout too (CPU: see SearchNetworkOptions).
  at::Tensor forward(const std::vector<at::Tensor>& xs, const at::Tensor& w, bool channels_last = false);

  int64_t size() const { return static_cast<int64_t>(edge_ops_.size()); }

  class Column;   ///< one candidate op of all k edges
  class Counter;  ///< num_batches_tracked of every BN of the batch, stepped by one kernel
  class Tails;    ///< the final BatchNorms of the columns that end in one, as one

 private:
  std::vector<std::vector<std::shared_ptr<Op>>> edge_ops_;
  std::unique_ptr<Counter> counter_;
  std::vector<std::unique_ptr<Column>> columns_;  ///< null for the zero op
  std::unique_ptr<Tails> tails_;                  ///< null: no two columns end in a BatchNorm
};

}  // namespace nas::nn
