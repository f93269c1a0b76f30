// One intra-op thread for every ENAS test. The tensors here are tiny, and with OpenMP
// spinning, two threads per test under `ctest -j2` on a 2-core box ran up to 50x slower
// than one (measured: a 0.8 s test took 41 s while the box was busy).
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

namespace {
class SingleThread : public ::testing::Environment {
 public:
  void SetUp() override { at::set_num_threads(1); }
};
const auto* const kSingleThread = ::testing::AddGlobalTestEnvironment(new SingleThread);
}  // namespace
