#pragma once
// Whether the DARTS supernet's edge batches run the final BatchNorms of all candidate ops
// that end in one as a single batch_norm, with one weighted sum over the ops (sdk/src/nn/
// edge_batch.cpp, EdgeBatch::Tails): ~5k ATen ops fewer per first-order step (a fifth), for
// three more passes over those ops' outputs (a concatenation and the sum's product). The
// op count is what bounds a launch-bound GPU step; on the CPU, where memory traffic costs
// more than dispatch, the merged form measured 23 % slower (docs/benchmarks.md). Auto: merged
// on CUDA, per op on the CPU. Same results to rounding either way (tests).
#include "nashost/export.hpp"

namespace nas::nn {

enum class BatchNormMerge { Auto, On, Off };

/// For the whole process (benchmarks and tests compare the two).
NASHOST_SDK_API void set_batchnorm_merge(BatchNormMerge mode);
NASHOST_SDK_API BatchNormMerge batchnorm_merge();

}  // namespace nas::nn
