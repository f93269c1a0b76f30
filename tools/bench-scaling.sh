#!/usr/bin/env bash
# Data-parallel scaling of the DARTS search step on this machine: 1 process with all the
# cores' threads against `nashost launch --nproc N` ranks of 1 thread each (Gloo), the same
# global batch. Prints ms per step (the second of two epochs; one validation batch included)
# and the bytes each rank all-reduces per step.
#   tools/bench-scaling.sh [--nproc N] [--order 1|2] [--steps S] [--quick]
# --quick: batch 16, 16x16, C = 8, 5 cells (seconds); default: the paper's search shape.
set -euo pipefail
cd "$(dirname "$0")/.."
nproc_=2 order=1 steps=5 quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --nproc) nproc_=$2; shift ;;
    --order) order=$2; shift ;;
    --steps) steps=$2; shift ;;
    --quick) quick=1 ;;
    *) echo "tools/bench-scaling.sh: unknown argument '$1' (--nproc --order --steps --quick)" >&2; exit 2 ;;
  esac
  shift
done
BIN=${NASHOST_BIN:-build/bin}
export NASHOST_BENCH_ORDER=$order NASHOST_BENCH_STEPS=$steps
if [ "$quick" = 1 ]; then
  export NASHOST_BENCH_BATCH=16 NASHOST_BENCH_SIZE=16 NASHOST_BENCH_CHANNELS=8 NASHOST_BENCH_LAYERS=5
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# "bench epoch 2/2 (12.3s): ... allreduce_bytes_per_step=... ..." from a run's log
epoch_seconds() { sed -n 's/.*bench epoch 2\/2 (\([0-9.]*\)s).*/\1/p' "$1" | tail -1; }
bytes_per_step() { grep -o 'allreduce_bytes_per_step=[0-9.e+]*' "$1" | tail -1 | cut -d= -f2; }

cores=$(nproc)
OMP_NUM_THREADS=$cores "$BIN/nashost" run bench/scaling_darts.lua --runs-dir "$work/one" --no-progress --seed 1 \
  >"$work/one.txt" 2>&1 || { cat "$work/one.txt"; exit 1; }
OMP_NUM_THREADS=1 "$BIN/nashost" launch --nproc "$nproc_" -- run bench/scaling_darts.lua --runs-dir "$work/many" \
  --no-progress --seed 1 >"$work/many.txt" 2>&1 || { cat "$work/many.txt"; exit 1; }
one=$(epoch_seconds "$work/one.txt")
many=$(epoch_seconds "$work/many.txt")
bytes=$(bytes_per_step "$work/many.txt")
python3 - "$one" "$many" "$steps" "$nproc_" "$cores" "$order" "${bytes:-0}" <<'PY'
import sys
one, many, steps, n, cores, order, b = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], float(sys.argv[7])
print(f"darts order {order}: 1 process x {cores} threads {1000*one/steps:.0f} ms/step | {n} ranks x 1 thread "
      f"{1000*many/steps:.0f} ms/step ({one/many:.2f}x) | all-reduced per step and rank: {b/2**20:.2f} MiB")
PY
