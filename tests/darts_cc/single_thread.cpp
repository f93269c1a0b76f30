// The tiny networks of these tests gain nothing from intra-op threads, while on a busy
// 2-core CI machine OpenMP worker threads that get descheduled slowed one test from
// 0.4 s to 150 s (measured). Run the test binary single-threaded.
#include <ATen/Parallel.h>

namespace {
const bool kSingleThreaded = [] {
  at::set_num_threads(1);
  return true;
}();
}  // namespace
