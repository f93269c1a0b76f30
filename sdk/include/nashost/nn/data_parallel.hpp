#pragma once
// Data-parallel steps for searches and trainers: every batch is cut into equal shards
// (rows), each rank computes its own shards, and the gradients are averaged over all of
// them before any optimiser step, so that every rank ends every step with the same
// parameters. The shards of one rank are computed one after another ("micro-batches"):
// with W ranks and M micro-batches there are W·M shards, and one process with M = W·k
// computes exactly what W ranks with M = k do (the tests check it). M > 1 alone also
// trades speed for memory, as gradient accumulation does.
//
// Semantics (as PyTorch DDP without SyncBatchNorm): BatchNorm normalises each shard by its
// own statistics; running statistics are taken from rank 0 (sync_buffers). A loss is the
// mean over the shards of each shard's mean loss (the full batch's mean when the batch
// divides evenly). Random draws in a shard's forward (Gumbel noise, dropout) come from a
// generator seeded by the shard's index in the batch, not by the rank that computes it.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/dataset.hpp"
#include "nashost/export.hpp"

namespace nas {
class Collectives;
}

namespace nas::nn {

/// Σ x² over the tensors, in double: a checksum of parameters for comparing runs and ranks.
NASHOST_SDK_API double sum_of_squares(const std::vector<at::Tensor>& tensors);

class NASHOST_SDK_API DataParallel {
 public:
  /// `micro_batches` shards per rank (≥ 1); the ranks are process_collectives() (one
  /// process when none). `batch_dim`: the dimension of Batch::input/target that holds the
  /// examples (0 for images, 1 for language-model batches T×N).
  explicit DataParallel(int micro_batches = 1, int batch_dim = 0);
  /// This process alone, whatever the run's world (a step that is not data-parallel).
  static DataParallel single_process(int micro_batches = 1, int batch_dim = 0);

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  int local_shards() const { return micro_; }
  int total_shards() const { return world_ * micro_; }
  /// More than one shard: steps go through the shard loops below.
  bool active() const { return total_shards() > 1; }

  /// Throws nas::ConfigError naming `key` when a batch of `batch_size` cannot be split into
  /// total_shards() parts (checked when a search is made, before any step).
  void check_batch_size(int64_t batch_size, const std::string& key) const;

  /// Whether `batch` has at least one example per shard (always, when not active). A short
  /// last batch of an epoch may not: every rank sees the same batch, so all skip it alike.
  bool splits(const Batch& batch) const { return !active() || batch.input.size(batch_dim_) >= total_shards(); }

  /// Local shard k (0 ≤ k < local_shards()) of a batch: its rows
  /// [g·B/S, (g+1)·B/S) with g = rank·M + k and S the total. Throws nas::Error when the
  /// batch has fewer examples than shards.
  Batch shard(const Batch& batch, int k) const;

  /// [begin, end) of local shard k among `n` examples (all of them when not active); for
  /// batches that are not a Batch (a language model's hidden state, its token columns).
  std::pair<int64_t, int64_t> shard_range(int64_t n, int k) const;

  /// This rank's rows of a batch: its local shards, which are consecutive (the whole batch
  /// when not active). For metrics of the outputs the local shards produced.
  Batch local_rows(const Batch& batch) const;

  /// Runs `fn(k)` for every local shard k, each with the default random generator seeded
  /// for that shard (see the file comment); the generator continues afterwards as if one
  /// number had been drawn, the same on every rank.
  void for_each_shard(const std::function<void(int)>& fn) const;

  /// Gradients of the shard-mean loss w.r.t. `inputs`: the mean over every shard of every
  /// rank of ∇ loss(k) (unused inputs get zeros; no .grad is touched). `mean_loss`, when
  /// given, receives the same mean of the loss values.
  std::vector<at::Tensor> gradients(const std::function<at::Tensor(int)>& loss, const std::vector<at::Tensor>& inputs,
                                    double* mean_loss = nullptr) const;

  /// The weight step's backward: accumulates ∇ loss(k) / local_shards() into the .grad of
  /// `params` (zeroed first by the caller, as before any backward) for the local shards,
  /// then averages the .grad over the ranks. Returns the mean loss over every shard.
  double backward(const std::function<at::Tensor(int)>& loss, const std::vector<at::Tensor>& params) const;

  /// Mean over the ranks, in place (no-op in one process).
  void average(std::vector<at::Tensor>& tensors) const;
  double average(double value) const;
  /// Rank 0's values everywhere (BatchNorm running statistics; no-op in one process).
  void sync_from_rank0(std::vector<at::Tensor> tensors) const;
  /// Largest absolute difference of `tensors` between this rank and rank 0, as every rank
  /// sees it (0 in one process): the check that the ranks hold the same parameters.
  double max_divergence(const std::vector<at::Tensor>& tensors) const;

  /// Bytes this rank has sent into collectives (all-reduce and broadcast payloads) so far:
  /// the communication volume a step costs (benchmarks, the `allreduce_bytes_per_step` metric).
  int64_t bytes_communicated() const { return bytes_; }

 private:
  void all_reduce_sum(std::vector<at::Tensor>& tensors) const;
  void broadcast(std::vector<at::Tensor>& tensors) const;
  void count_bytes(const std::vector<at::Tensor>& tensors) const;
  /// Rows [begin, end) of the batch's input and target.
  Batch rows(const Batch& batch, int64_t begin, int64_t end) const;

  Collectives* ranks_ = nullptr;
  mutable int64_t bytes_ = 0;
  int rank_ = 0, world_ = 1, micro_ = 1, batch_dim_ = 0;
};

}  // namespace nas::nn
