#include "nashost/support/host_allocator.hpp"

#include "nashost/environment.hpp"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nas {

std::string tune_host_allocator() {
#if defined(__GLIBC__)
  const char* opt_out = environment_variable("NAS_SYSTEM_MALLOC");
  if (opt_out && *opt_out && std::strcmp(opt_out, "0") != 0) return "system malloc (NAS_SYSTEM_MALLOC)";
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return "system malloc (GLIBC_TUNABLES)";
  const char* preload = std::getenv("LD_PRELOAD");
  if (preload && *preload) return "system malloc (LD_PRELOAD)";
  // Each call can fail only for out-of-range values; these are in range on every glibc.
  const bool ok = mallopt(M_MMAP_MAX, 0) == 1 &&
                  // Trimming would hand the top of the heap back after each step and fault
                  // it in again on the next; keep it (the peak is what the process needs).
                  // -1 turns trimming off (mallopt(3)); a finite threshold, even 1 GiB, still
                  // let the second-order DARTS step (9 GiB peak) refault gigabytes per step.
                  mallopt(M_TRIM_THRESHOLD, -1) == 1 && mallopt(M_ARENA_MAX, 1) == 1;
  return ok ? "heap malloc (no mmap, no trim, one arena)" : "system malloc (mallopt refused)";
#else
  return "system malloc";
#endif
}

}  // namespace nas
