# Sourced by tools/sanitize.sh and tools/fuzz.sh: compiler flags and sanitizer runtime options.
#
# One set of flags for both builds (clang 16): ccache then shares every object of the SDK,
# the host and the plugins between build-asan/ and build-fuzz/, so a change is compiled
# once for both. That is why the test build carries libFuzzer's coverage instrumentation
# (fuzzer-no-link) too: counters only, nothing changes what the code does. Line tables only:
# reports with file:line, without the build cost of full debug info.
NASHOST_SANITIZE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -gline-tables-only"
#
# LibTorch, netCDF/HDF5, Lua, toml++, Boost, spdlog and zlib are the wheel's / Debian's
# prebuilt, uninstrumented libraries: ASan sees their heap use through malloc, nothing else.
#
# UBSan: stop at the first report (a test fails, a fuzzer keeps the input), with a stack;
# the one suppression and its reason are in tools/ubsan.supp.
NASHOST_UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ubsan.supp"
# ASan with its defaults, leak detection included: LibTorch's, Lua's and the other libraries'
# memory left at exit is still reachable from their globals, so LeakSanitizer reports nothing
# for a clean run and needs no suppressions.
NASHOST_ASAN_OPTIONS="print_stacktrace=1"
NASHOST_LSAN_OPTIONS=""
# Fuzzers only: glibc's malloc returns NULL for an impossible size and the C libraries handle
# that (a netCDF header declaring a 16 TB attribute gets NC_ENOMEM); ASan would abort on the
# request instead. Requests below that but above -malloc_limit_mb still count as OOM findings.
NASHOST_FUZZ_ASAN_OPTIONS="$NASHOST_ASAN_OPTIONS:allocator_may_return_null=1"
