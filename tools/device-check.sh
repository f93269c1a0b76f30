#!/usr/bin/env bash
# Runs on a GPU machine from the bundle made by tools/device-bundle.sh: the CUDA benchmarks
# (ours and the reference Python DARTS step at the same settings) and the main job on CUDA.
# Writes everything to ${OUT:-/tmp/nashost-device}.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/nashost-device}; mkdir -p "$out"
py=$(command -v python3)
torchlib=$("$py" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$PWD/.devbundle/lib:$torchlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export NASHOST_BIN=$PWD/.devbundle/bin NASHOST_PYTHON=$py NAS_DATA_DIR=$PWD/.devbundle/data
log() { echo "== $*" | tee -a "$out/bench.txt"; }
{ nvidia-smi -L; "$py" -c 'import torch; print("torch", torch.__version__)'; } 2>&1 | tee "$out/bench.txt"
log "CUDA, paper search configuration"
timeout 150 tools/bench.sh --device cuda --steps 20 --reference 2>&1 | tee -a "$out/bench.txt"
log "CPU ($(nproc) cores), paper search configuration"
timeout 150 tools/bench.sh --device cpu --steps 3 --reference 2>&1 | tee -a "$out/bench.txt"
log "main job on CUDA: nashost run scripts/fmnist_hyper.lua --device cuda"
start=$SECONDS
timeout 210 "$NASHOST_BIN/nashost" run scripts/fmnist_hyper.lua --device cuda --no-progress --runs-dir /tmp/nashost-runs \
  > "$out/fmnist_hyper_cuda.txt" 2>&1
tail -n 25 "$out/fmnist_hyper_cuda.txt" | tee -a "$out/bench.txt"
log "main job wall time: $((SECONDS - start)) s"
cp /tmp/nashost-runs/*/results.txt "$out/" 2>/dev/null; cp /tmp/nashost-runs/*/*.svg "$out/" 2>/dev/null; true
