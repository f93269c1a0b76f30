#!/usr/bin/env bash
# Distributed runs with real processes (nashost launch; Gloo on the CPU, 2 ranks as CI has
# 2 cores). cases.sh CASE NASHOST SOURCE_DIR WORK_DIR; prints "PASS CASE" when it holds.
set -uo pipefail
CASE=$1 NASHOST=$2 SRC=$3 WORK=$4/$1
HERE=$SRC/tests/framework/distributed
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 2
export OMP_NUM_THREADS=1

fail() { echo "FAIL $CASE: $*"; exit 1; }
newest_run() { ls -d "$1"/*/ 2>/dev/null | tail -n 1; }
# table TITLE-less rows of results.txt (the same file a single process writes)
table_of() { cat "$(newest_run "$1")/results.txt"; }

case $CASE in
all_reduce)
  out=$("$NASHOST" launch --nproc 2 -- run "$HERE/all_reduce.lua" --runs-dir "$WORK/runs" --no-progress 2>&1); rc=$?
  echo "$out"
  ((rc == 0)) || fail "exit $rc"
  grep -q "all-reduce ok on rank 0 of 2" <<<"$out" || fail "rank 0 did not finish"
  [ -f "$(newest_run "$WORK/runs")/log.rank1.txt" ] || fail "rank 1 kept no log"
  ;;
parallel_lua)
  "$NASHOST" run "$SRC/tests/framework/lua/parallel.lua" --runs-dir "$WORK/one" --no-progress >one.txt 2>&1 || fail "1 rank failed"
  "$NASHOST" launch --nproc 2 -- run "$SRC/tests/framework/lua/parallel.lua" --runs-dir "$WORK/two" --no-progress \
    >two.txt 2>&1 || { cat two.txt; fail "2 ranks failed"; }
  diff <(table_of "$WORK/one") <(table_of "$WORK/two") || fail "the tables differ"
  (( $(ls "$WORK/two" | wc -l) == 1 )) || fail "more than one run directory"
  ;;
random_baseline|main_job)
  script=$([ "$CASE" = main_job ] && echo fmnist_hyper.lua || echo fmnist_random.lua)
  args=(run "$SRC/scripts/$script" --profile tiny --seed 1 --no-progress --name t)
  "$NASHOST" "${args[@]}" --runs-dir "$WORK/one" >one.txt 2>&1 || { cat one.txt; fail "1 rank failed"; }
  "$NASHOST" launch --nproc 2 -- "${args[@]}" --runs-dir "$WORK/two" >two.txt 2>&1 || { cat two.txt; fail "2 ranks failed"; }
  diff <(table_of "$WORK/one") <(table_of "$WORK/two") || fail "2 ranks gave another results table than 1"
  (( $(ls "$WORK/two" | wc -l) == 1 )) || fail "more than one run directory"
  grep -q "rank 1" "$(newest_run "$WORK/two")/log.rank1.txt" || fail "rank 1 kept no log"
  table_of "$WORK/two"
  ;;
dead_rank)
  start=$(date +%s)
  "$NASHOST" launch --nproc 2 --grace 20 -- run "$HERE/die.lua" --runs-dir "$WORK/runs" --no-progress --dist-timeout 4 \
    >out.txt 2>&1; rc=$?
  cat out.txt
  took=$(( $(date +%s) - start ))
  ((rc != 0)) || fail "exit 0"
  grep -q "rank 1 stopped responding" out.txt || fail "the message does not name rank 1"
  ((took < 40)) || fail "took $took s"
  python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["invocations"][-1]; assert i["status"]=="failed" and "rank 1" in i["error"], i' \
    "$(newest_run "$WORK/runs")/run.json" || fail "run.json does not say rank 1 failed"
  ;;
darts_data_parallel|darts_cc_data_parallel)
  # Data-parallel search: 2 ranks x half a batch end every step with the parameters of one
  # process that computes the same two halves one after another (micro_batches = 2): the same
  # alphas / hypernetworks, weights, loss and genotype, to the last digit (OMP_NUM_THREADS=1
  # in both, so every kernel adds in the same order). Order 1 and order 2 (the virtual step
  # and the Hessian-vector product from all-reduced gradients).
  export NASHOST_TEST_STRATEGY=$([ "$CASE" = darts_data_parallel ] && echo darts || echo darts-cc)
  printf '[search]\nlayers = 3\nchannels = 4\nnodes = 2\nepochs = 2\nbatch_size = 16\nmax_steps_per_epoch = 3\nmax_eval_batches = 1\n' >cfg.toml
  [ "$NASHOST_TEST_STRATEGY" = darts ] && echo "plots = false" >>cfg.toml
  for order in 1 2; do
    args=(run "$HERE/search_state.lua" --config cfg.toml --set search.order=$order --seed 3 --no-progress)
    "$NASHOST" "${args[@]}" --set search.micro_batches=2 --runs-dir "$WORK/one$order" >one$order.txt 2>&1 \
      || { cat one$order.txt; fail "1 process failed"; }
    "$NASHOST" launch --nproc 2 -- "${args[@]}" --runs-dir "$WORK/two$order" >two$order.txt 2>&1 \
      || { cat two$order.txt; fail "2 ranks failed"; }
    "$NASHOST" "${args[@]}" --runs-dir "$WORK/whole$order" >whole$order.txt 2>&1 || { cat whole$order.txt; fail "whole batch failed"; }
    grep STATE one$order.txt >one$order.state
    grep STATE two$order.txt >two$order.state
    (( $(wc -l <one$order.state) > 10 )) || { cat one$order.txt; fail "no state printed"; }
    diff one$order.state two$order.state || fail "order $order: 2 ranks differ from 1 process with 2 micro-batches"
    grep -q "^DIVERGENCE 0$" two$order.txt || fail "order $order: the ranks' parameters differ: $(grep DIVERGENCE two$order.txt)"
    # The check can fail: the whole batch at once (other BatchNorm statistics) is another search.
    ! diff -q one$order.state <(grep STATE whole$order.txt) >/dev/null || fail "order $order: micro-batches changed nothing"
    grep -q "weights_sum_squares" one$order.state || fail "no weight checksum"
  done
  ;;
enas_data_parallel)
  # ENAS shared-weight steps split over 2 ranks equal 1 process with 2 micro-batches (the CNN
  # space on synthetic images, the RNN space on a PTB subset); the controller steps are the
  # same on both ranks; every rank ends with the same parameters.
  printf '[dataset]\nname = "synthetic-images"\n[dataset.options]\nshape = [3, 8, 8]\nclasses = 4\ntrain_size = 128\ntest_size = 64\n[search]\nnum_layers = 1\nchannels = 4\nnum_blocks = 3\nepochs = 2\nbatch_size = 16\nshared_steps = 4\nlr_t0 = 1\ncontroller_steps = 2\ncontroller_num_aggregate = 2\ncontroller_hid = 16\nderive_samples = 3\nmax_eval_batches = 2\naugment = false\n' >cnn.toml
  printf '[dataset]\nname = "ptb"\n[dataset.options]\nsubset = 20000\n[search]\nshared_optim = "adam"\nshared_lr = 0.003\nnum_blocks = 4\nepochs = 2\nshared_steps = 5\ncontroller_steps = 3\nembed = 16\nhidden = 16\nbatch_size = 8\neval_full_valid = false\nderive_samples = 2\n' >rnn.toml
  for space in cnn rnn; do
    export NASHOST_TEST_STRATEGY=enas-$space
    args=(run "$HERE/search_state.lua" --config $space.toml --seed 3 --no-progress)
    "$NASHOST" "${args[@]}" --set search.micro_batches=2 --runs-dir "$WORK/one$space" >one$space.txt 2>&1 \
      || { cat one$space.txt; fail "$space: 1 process failed"; }
    "$NASHOST" launch --nproc 2 -- "${args[@]}" --runs-dir "$WORK/two$space" >two$space.txt 2>&1 \
      || { cat two$space.txt; fail "$space: 2 ranks failed"; }
    grep STATE one$space.txt >one$space.state
    (( $(wc -l <one$space.state) > 10 )) || { cat one$space.txt; fail "$space: no state printed"; }
    diff one$space.state <(grep STATE two$space.txt) || fail "$space: 2 ranks differ from 1 process with 2 micro-batches"
    grep -q "^DIVERGENCE 0$" two$space.txt || fail "$space: the ranks' parameters differ: $(grep DIVERGENCE two$space.txt)"
  done
  ;;
killed_search_resumes)
  # kill -9 of rank 1 during the search; rank 0 stops within the timeout; --resume with 2
  # ranks ends with the results of a run that was never interrupted.
  args=(run "$SRC/scripts/fmnist_darts.lua" --profile tiny --seed 1 --no-progress --name k --set search.epochs=6
        --dist-timeout 4)
  "$NASHOST" launch --nproc 2 -- "${args[@]}" --runs-dir "$WORK/clean" >clean.txt 2>&1 || { cat clean.txt; fail "clean run failed"; }
  "$NASHOST" launch --nproc 2 -- "${args[@]}" --runs-dir "$WORK/runs" >out.txt 2>&1 &
  launcher=$!
  victim=""
  for _ in $(seq 300); do
    d=$(newest_run "$WORK/runs")
    if [ -n "$d" ] && grep -q "search epoch 1/6" "$d/log.txt" 2>/dev/null; then
      for p in $(pgrep -f "nashost run .*fmnist_darts.lua"); do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "RANK=1" && victim=$p
      done
      break
    fi
    sleep 0.1
  done
  [ -n "$victim" ] || { kill $launcher; fail "could not find rank 1 mid-search"; }
  kill -9 "$victim"
  wait $launcher; rc=$?
  cat out.txt
  ((rc != 0)) || fail "the interrupted run exited 0"
  grep -q "rank 1" out.txt || fail "no message names rank 1"
  "$NASHOST" launch --nproc 2 -- "${args[@]}" --runs-dir "$WORK/runs" --resume >resume.txt 2>&1; rc=$?
  ((rc == 0)) || { cat resume.txt; fail "--resume failed (exit $rc)"; }
  diff <(table_of "$WORK/clean") <(table_of "$WORK/runs") || fail "the resumed run's results differ"
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
echo "PASS $CASE"
