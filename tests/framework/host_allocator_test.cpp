// The host's malloc settings (nashost/support/host_allocator.hpp). CTest runs each test in its own
// process, so each starts from glibc's defaults.
#include <malloc.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "nashost/support/host_allocator.hpp"

namespace {

constexpr size_t kLarge = 96u << 20;  // an ENAS logits tensor: above any mmap threshold

// How many mmapped blocks (mallinfo2().hblks) one large malloc adds: 1 or 0. (Libraries
// loaded with the test may hold mmapped blocks of their own, hence the difference.)
int mmapped_blocks_while_holding_a_large_block() {
  const auto before = mallinfo2().hblks;
  void* p = std::malloc(kLarge);
  EXPECT_NE(p, nullptr);
  const int added = static_cast<int>(mallinfo2().hblks - before);
  std::free(p);
  return added;
}

void clear_user_settings() {
  ::unsetenv("NAS_SYSTEM_MALLOC");
  ::unsetenv("NASHOST_SYSTEM_MALLOC");
  ::unsetenv("GLIBC_TUNABLES");
  ::unsetenv("LD_PRELOAD");
}

}  // namespace

TEST(HostAllocator, Large_blocks_come_from_the_reused_heap) {
  clear_user_settings();
  const int before = mmapped_blocks_while_holding_a_large_block();
  EXPECT_EQ(before, 1) << "glibc's default serves a 96 MiB block with mmap";
  EXPECT_EQ(nas::tune_host_allocator(), "heap malloc (no mmap, no trim, one arena)");
  EXPECT_EQ(mmapped_blocks_while_holding_a_large_block(), 0);
  // Freed memory stays in the heap: the next block of that size reuses it.
  void* first = std::malloc(kLarge);
  std::free(first);
  void* second = std::malloc(kLarge);
  EXPECT_EQ(first, second);
  std::free(second);
}

TEST(HostAllocator, Freed_memory_stays_in_the_heap_even_above_gigabytes) {
  clear_user_settings();
  ASSERT_EQ(nas::tune_host_allocator(), "heap malloc (no mmap, no trim, one arena)");
  // 2.5 GiB, more than any finite threshold mallopt can set (an int): with trimming on,
  // free() would hand it back. Untouched, so it costs address space only, not memory.
  constexpr size_t kHuge = size_t{5} << 29;
  void* p = std::malloc(kHuge);
  ASSERT_NE(p, nullptr);
  const auto heap_while_held = mallinfo2().arena;
  std::free(p);
  EXPECT_EQ(mallinfo2().arena, heap_while_held) << "the heap was trimmed after free()";
}

TEST(HostAllocator, Leaves_malloc_alone_when_the_user_chose) {
  clear_user_settings();
  ::setenv("NAS_SYSTEM_MALLOC", "1", 1);
  EXPECT_EQ(nas::tune_host_allocator(), "system malloc (NAS_SYSTEM_MALLOC)");
  ::unsetenv("NAS_SYSTEM_MALLOC");
  ::setenv("NASHOST_SYSTEM_MALLOC", "1", 1);  // the old name still works (with a warning)
  EXPECT_EQ(nas::tune_host_allocator(), "system malloc (NAS_SYSTEM_MALLOC)");
  ::unsetenv("NASHOST_SYSTEM_MALLOC");
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2", 1);
  EXPECT_EQ(nas::tune_host_allocator(), "system malloc (GLIBC_TUNABLES)");
  ::unsetenv("GLIBC_TUNABLES");
  ::setenv("LD_PRELOAD", "libjemalloc.so.2", 1);
  EXPECT_EQ(nas::tune_host_allocator(), "system malloc (LD_PRELOAD)");
  ::unsetenv("LD_PRELOAD");
  EXPECT_EQ(mmapped_blocks_while_holding_a_large_block(), 1);
}
