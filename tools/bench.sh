#!/usr/bin/env bash
# The benchmark command: one line per measurement (median ms per step, peak memory), in a
# form that can be compared across versions and machines. With --reference, the reference
# Python implementation of the DARTS step (bench/reference/darts_reference.py) runs at the
# same settings with the same torch, and so does the reference ENAS shared-RNN and controller
# step (bench/reference/enas_reference.py), so the lines compare directly.
#   tools/bench.sh [--device cpu|cuda] [--steps N] [--reference] [--quick] [--cuda-graph]
# --quick uses small shapes (seconds on a laptop CPU); the default is the paper's search
# configuration (batch 64, 32×32, C=16, 8 cells). --cuda-graph takes the DARTS steps captured in a
# CUDA graph (the search option cuda_graph; uncaptured on the CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
device=cpu steps=5 reference=0 quick=0 graph=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift ;;
    --steps) steps=$2; shift ;;
    --reference) reference=1 ;;
    --quick) quick=1 ;;
    --cuda-graph) graph=(--cuda-graph) ;;
    *) echo "tools/bench.sh: unknown argument '$1' (--device --steps --reference --quick --cuda-graph)" >&2; exit 2 ;;
  esac
  shift
done
BIN=${NASHOST_BIN:-build/bin}
PY=${NASHOST_PYTHON:-.venv/bin/python}
if [ "$quick" = 1 ]; then shape=(--batch 16 --size 16 --channels 8 --layers 5); else shape=(--batch 64 --size 32 --channels 16 --layers 8); fi
echo "# nashost $("$BIN/nashost" --version 2>/dev/null | head -1), $(date -u +%F), $(nproc) cores, OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}, NAS_SYSTEM_MALLOC=${NAS_SYSTEM_MALLOC:-unset}"
for order in 1 2; do
  "$BIN/nashost" bench darts --order $order "${shape[@]}" --device "$device" --steps "$steps" "${graph[@]}"
  if [ "$reference" = 1 ]; then
    "$PY" -W ignore bench/reference/darts_reference.py --order $order "${shape[@]}" --device "$device" --steps "$steps"
  fi
done
if [ "$quick" = 1 ]; then enas=(--hidden 200); else enas=(--hidden 1000); fi
"$BIN/nashost" bench enas --device "$device" "${enas[@]}" --steps "$steps"
if [ "$reference" = 1 ]; then
  "$PY" -W ignore bench/reference/enas_reference.py --device "$device" "${enas[@]}" --steps "$steps"
fi
"$BIN/nashost" bench data || true  # needs NAS_DATA_DIR with Fashion-MNIST; skipped with a message otherwise
