#pragma once
// nashost/support/: tools for tests, benchmarks and the host, not part of the plugin contract
// (plugin.hpp, config.hpp, context.hpp, dataset.hpp, operation_set.hpp, strategy.hpp, ...).
// Process-wide tuning of the C allocator for training on the CPU.
//
// LibTorch takes CPU tensor memory from malloc. glibc serves every block above its mmap
// threshold (at most 32 MiB) with a fresh mmap and returns it with munmap on free, so a
// step that allocates the same large tensors each time (ENAS: the 2,240 x 10,000 logits and
// their gradients, 90 MB each) pays a page fault per 4 KiB page every step: 20-30 % of an
// ENAS step on 2 cores went to the kernel's page-fault path (perf). Keeping freed memory in
// the heap for reuse removes that (docs/benchmarks.md has the figures).
#include <string>

#include "nashost/export.hpp"

namespace nas {

/// Call first thing in main(), before any tensor exists. Serves large blocks from the heap
/// (no mmap), keeps freed memory for reuse (no trimming) and uses one malloc arena (fewer
/// half-empty arenas, so a lower peak RSS). Leaves the allocator alone when the user asked
/// for their own settings: NAS_SYSTEM_MALLOC=1, or glibc.malloc tunables in
/// GLIBC_TUNABLES, or a preloaded allocator (LD_PRELOAD). Returns what it did, for the log.
NASHOST_SDK_API std::string tune_host_allocator();

}  // namespace nas
