#!/usr/bin/env bash
# libFuzzer targets for every parser of user data (tests/fuzz/, docs/testing.md), built with
# clang in build-fuzz/ (the whole tree instrumented: coverage, ASan, UBSan). Idempotent.
#   tools/fuzz.sh                  build, replay tests/fuzz/regressions/, fuzz each target 30 s
#   tools/fuzz.sh --seconds 3600 fuzz_idx fuzz_cifar     longer runs of some targets
#   tools/fuzz.sh --runs 1000000 fuzz_corpus             or a number of executions
#   tools/fuzz.sh --keep-going --seconds 3600            long runs: record crashes, go on (fork mode)
#   tools/fuzz.sh --build-only | --regressions-only
# FUZZ_JOBS targets run at once (default 2); FUZZ_MALLOC_LIMIT_MB (default 2048) is the largest
# single allocation that is not an OOM finding. The committed seeds (tests/fuzz/corpus/<target>)
# are only read; what the fuzzer adds goes to build-fuzz/corpus/<target>, crashes to
# build-fuzz/artifacts/<target>/, logs to build-fuzz/logs/. Exit 1 when any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${NASHOST_FUZZ_BUILD_DIR:-build-fuzz}
LIMIT=(-max_total_time="${FUZZ_SECONDS:-30}")
JOBS=${FUZZ_JOBS:-2}
MODE=all
KEEP_GOING=
TARGETS=()
while (($#)); do
  case "$1" in
    --seconds) LIMIT=(-max_total_time="$2"); shift 2 ;;
    --runs) LIMIT=(-runs="$2"); shift 2 ;;
    --keep-going) KEEP_GOING=1; shift ;;
    --build-only) MODE=build; shift ;;
    --regressions-only) MODE=regressions; shift ;;
    -*) sed -n '2,13p' "$0" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done

tools/setup.sh --deps-only --sanitizers
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Every library gets coverage (fuzzer-no-link) and the sanitizers (tools/sanitizer-options.sh);
# only the harnesses link libFuzzer (tests/fuzz/CMakeLists.txt).
source tools/sanitizer-options.sh
if [ ! -f "$BUILD/build.ninja" ]; then
  # Only the dataset plugins hold parsers; the fuzz folder is the only test folder.
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_CXX_FLAGS="$NASHOST_SANITIZE_CXX_FLAGS" \
    -DNASHOST_FUZZ=ON -DNASHOST_TEST_FILTER='^fuzz$' -DNASHOST_PLUGIN_FILTER='^datasets$' >/dev/null
fi
cmake --build "$BUILD" --target fuzzers -j"$(nproc)"
[ "$MODE" = build ] && exit 0

if ((${#TARGETS[@]} == 0)); then
  for f in "$BUILD"/fuzz/fuzz_*; do TARGETS+=("$(basename "$f")"); done
fi
export ASAN_OPTIONS="$NASHOST_FUZZ_ASAN_OPTIONS" UBSAN_OPTIONS="$NASHOST_UBSAN_OPTIONS" LSAN_OPTIONS="$NASHOST_LSAN_OPTIONS"
export OMP_NUM_THREADS=1
mkdir -p "$BUILD/logs"

failed=()
for t in "${TARGETS[@]}"; do  # known crashes must stay fixed: each reproducer runs once
  # regressions/: inputs that broke our own code; findings/: inputs that crashed a library
  # (the unit tests read them too).
  inputs=()
  for f in tests/fuzz/regressions/"$t"/* tests/fuzz/findings/"$t"/*; do [ -f "$f" ] && inputs+=("$f"); done
  ((${#inputs[@]})) || continue
  extra=()
  lsan=$LSAN_OPTIONS
  [ "$t" = fuzz_netcdf ] && extra+=(-detect_leaks=0) && lsan="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$ROOT/tools/lsan-netcdf.supp"
  if ! LSAN_OPTIONS=$lsan "$BUILD/fuzz/$t" -timeout=60 -rss_limit_mb=2048 "${extra[@]}" "${inputs[@]}" >"$BUILD/logs/$t.regressions.log" 2>&1; then
    echo "fuzz: $t crashes on a regression input: $BUILD/logs/$t.regressions.log"
    failed+=("$t(regression)")
  fi
done
if [ "$MODE" = regressions ]; then ((${#failed[@]} == 0)) || exit 1; exit 0; fi

run_one() {  # never fails itself: the exit status goes to logs/<target>.rc
  local t=$1 dict=tests/fuzz/$1.dict
  mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
  local args=("${LIMIT[@]}" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb="${FUZZ_MALLOC_LIMIT_MB:-2048}"
              -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t/")
  [ -f "$dict" ] && args+=(-dict="$dict")
  # HDF5 keeps allocations from one file to the next, so every input would look like a leak and
  # cost a full LeakSanitizer heap scan (about 1 s with LibTorch loaded): no leak check there.
  [ "$t" = fuzz_netcdf ] && args+=(-detect_leaks=0)
  # ... and the check at exit skips leaks inside libnetcdf/HDF5 (tools/lsan-netcdf.supp).
  local lsan=$LSAN_OPTIONS
  [ "$t" = fuzz_netcdf ] && lsan="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$ROOT/tools/lsan-netcdf.supp"
  # Fork mode: each crash is saved and a fresh process goes on (the log counts them).
  [ -n "$KEEP_GOING" ] && args+=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  local rc=0
  LSAN_OPTIONS=$lsan "$BUILD/fuzz/$t" "${args[@]}" "$BUILD/corpus/$t" "tests/fuzz/corpus/$t" >"$BUILD/logs/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$BUILD/logs/$t.rc"
}
for t in "${TARGETS[@]}"; do
  run_one "$t" &
  while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
done
wait

printf '%-14s %10s %7s %7s %7s %s\n' target runs s cov ft result
set +o pipefail  # a pattern missing from a log is no error here
for t in "${TARGETS[@]}"; do
  log=$BUILD/logs/$t.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')  # fork mode
  secs=$(sed -n -e 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' -e 's/.* time: \([0-9]*\)s .*/\1/p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  result=ok
  crashes=$(grep -oE 'oom/timeout/crash: [0-9]+/[0-9]+/[0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  if [ -n "$crashes" ] && [ "$crashes" != 0/0/0 ]; then
    result="FOUND oom/timeout/crash $crashes: $BUILD/artifacts/$t/"
    failed+=("$t")
  elif [ "$(cat "$BUILD/logs/$t.rc")" != 0 ]; then
    result="CRASH: $(grep -m1 -E 'ERROR: |runtime error|FINDING|deadly signal' "$log" | cut -c1-100) ($log)"
    failed+=("$t")
  fi
  printf '%-14s %10s %7s %7s %7s %s\n' "$t" "${runs:-?}" "${secs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
if ((${#failed[@]})); then echo "fuzz: FAILED: ${failed[*]}"; exit 1; fi
