#!/usr/bin/env bash
# Runs on a GPU machine from the bundle made by tools/device-bundle.sh: the CUDA benchmarks
# (ours and the reference Python DARTS step at the same settings), the CPU benchmarks on that
# machine's cores, and the scripts on CUDA. Writes everything to ${OUT:-/tmp/nashost-device}.
#   tools/device-check.sh [graph-tests] [bench-cuda] [bench-cpu] [main-job] [darts-scripts] [enas-scripts] [determinism]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/nashost-device}; mkdir -p "$out"
py=$(command -v python3)
torchlib=$("$py" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH="$PWD/.devbundle/lib:$torchlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export NASHOST_BIN=$PWD/.devbundle/bin NASHOST_PYTHON=$py NAS_DATA_DIR=$PWD/.devbundle/data
log() { echo "== $*" | tee -a "$out/bench.txt"; }
parts=${*:-graph-tests bench-cuda bench-cpu main-job darts-scripts enas-scripts determinism}
{ nvidia-smi -L; "$py" -c 'import torch; print("torch", torch.__version__)'; } 2>&1 | tee -a "$out/bench.txt"

run_script() {  # name, time limit, script, extra args...
  local name=$1 limit=$2 script=$3; shift 3
  log "$script on CUDA $*"
  local start=$SECONDS
  timeout "$limit" "$NASHOST_BIN/nashost" run "$script" --device cuda --no-progress --runs-dir /tmp/nashost-runs "$@" \
    > "$out/$name.txt" 2>&1
  local rc=$?
  grep -E "^\||^[A-Z].*\(|error|SYNTHETIC" "$out/$name.txt" | tail -n 20 | tee -a "$out/bench.txt"
  log "$name: exit $rc, wall time $((SECONDS - start)) s"
}

for part in $parts; do
  case $part in
    graph-tests) log "CUDA-graph capture: equal to the uncaptured steps"
      timeout 120 "$NASHOST_BIN/test_step_graph" 2>&1 | tail -n 30 | tee -a "$out/bench.txt"
      timeout 240 "$NASHOST_BIN/test_darts_search" --gtest_filter='*Cuda_graph*' 2>&1 | tail -n 30 | tee -a "$out/bench.txt"
      timeout 240 "$NASHOST_BIN/darts_cc_tests" --gtest_filter='*CudaGraph*' 2>&1 | tail -n 30 | tee -a "$out/bench.txt"
      timeout 120 "$NASHOST_BIN/enas_tests" --gtest_filter='*CudaGraph*' 2>&1 | tail -n 30 | tee -a "$out/bench.txt"
      timeout 120 "$NASHOST_BIN/enas_cnn_tests" --gtest_filter='*CudaGraph*' 2>&1 | tail -n 30 | tee -a "$out/bench.txt" ;;
    bench-cuda) log "CUDA, paper search configuration"
      timeout 200 tools/bench.sh --device cuda --steps 10 --reference 2>&1 | tee -a "$out/bench.txt"
      # the supernet edge by edge: what the edge batching buys on this GPU
      timeout 60 "$NASHOST_BIN/nashost" bench darts --order 1 --device cuda --steps 10 --per-edge 2>&1 | tee -a "$out/bench.txt"
      # channels-last on the GPU (the default keeps NCHW there; faster on the CPU): worth switching?
      timeout 60 "$NASHOST_BIN/nashost" bench darts --order 1 --device cuda --steps 10 --nhwc 2>&1 | tee -a "$out/bench.txt"
      # the whole step captured in a CUDA graph and replayed (search option cuda_graph)
      for order in 1 2; do
        timeout 120 "$NASHOST_BIN/nashost" bench darts --order $order --device cuda --steps 10 --cuda-graph 2>&1 | tee -a "$out/bench.txt"
      done
      # the ops' final BatchNorms per op (merged is the CUDA default): does merging pay here?
      for order in 1 2; do
        timeout 90 "$NASHOST_BIN/nashost" bench darts --order $order --device cuda --steps 10 --per-op-bn 2>&1 | tee -a "$out/bench.txt"
      done
      # --precision bf16 on the main job's search and fine-tunes: time and accuracies beside fp32
      run_script fmnist_hyper_bf16 300 scripts/fmnist_hyper.lua --precision bf16
      # the main job with its search and fine-tuning steps captured in CUDA graphs
      run_script fmnist_hyper_graph 300 scripts/fmnist_hyper.lua --set search.cuda_graph=true \
        --set finetune.one-hot.cuda_graph=true ;;
    bench-cpu) log "CPU ($(nproc) cores), paper search configuration"
      timeout 150 tools/bench.sh --device cpu --steps 3 --reference 2>&1 | tee -a "$out/bench.txt" ;;
    main-job) run_script fmnist_hyper 210 scripts/fmnist_hyper.lua ;;
    darts-scripts)
      run_script hello 60 scripts/hello.lua
      run_script fmnist_darts 120 scripts/fmnist_darts.lua
      run_script train_genotype 120 scripts/train_genotype.lua --set train.auxiliary=true --set train.layers=8 ;;
    enas-scripts)
      run_script enas_ptb 110 scripts/enas_ptb.lua
      run_script enas_cifar10 110 scripts/enas_cifar10.lua ;;
    determinism)  # two --deterministic runs of the same seed on CUDA must give the same table
      for i in 1 2; do
        run_script det$i 120 scripts/fmnist_darts.lua --profile tiny --seed 3 --deterministic --name det$i
        grep -E "^\|" "$out/det$i.txt" > "$out/det$i.table" || true
      done
      if [ -s "$out/det1.table" ] && cmp -s "$out/det1.table" "$out/det2.table"; then log "determinism: identical results"
      else log "determinism: results DIFFER (or missing)"; diff "$out/det1.table" "$out/det2.table" | tee -a "$out/bench.txt"; fi ;;
    *) echo "unknown part '$part'" >&2 ;;
  esac
done
true
