#!/usr/bin/env bash
# The host, the SDK, every plugin and the parser tests built with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang, build-asan/), then those tests run. Idempotent: a
# second run rebuilds only what changed. docs/testing.md says what this covers.
#   tools/sanitize.sh [ctest arguments...]     e.g. tools/sanitize.sh -R cli\\.
# Test folders: framework (host units + the CLI tests), genotype, datasets; override with
# NASHOST_SANITIZE_TESTS (a NASHOST_TEST_FILTER regex).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${NASHOST_SANITIZE_BUILD_DIR:-build-asan}

tools/setup.sh --deps-only --sanitizers
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
source tools/sanitizer-options.sh
# Exported before building too: gtest_discover_tests runs each test binary at build time.
export ASAN_OPTIONS="$NASHOST_ASAN_OPTIONS" UBSAN_OPTIONS="$NASHOST_UBSAN_OPTIONS" LSAN_OPTIONS="$NASHOST_LSAN_OPTIONS"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_CXX_FLAGS="$NASHOST_SANITIZE_CXX_FLAGS" \
    -DNASHOST_TEST_FILTER="${NASHOST_SANITIZE_TESTS:-^(framework|genotype|datasets)\$}" >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)"

if [ -z "${NAS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export NAS_DATA_DIR=$(cd ../shared/data && pwd); fi
export OMP_NUM_THREADS=1
ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 1200 "$@"
