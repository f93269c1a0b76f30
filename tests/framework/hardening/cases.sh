#!/usr/bin/env bash
# Hardening tests: each case feeds nashost what an attacker or a careless user would and
# checks that nothing executes, nothing crashes, and nothing good is lost.
#   cases.sh CASE NASHOST SOURCE_DIR WORK_DIR
# Prints "PASS CASE" and exits 0 when the case holds; otherwise says what broke.
set -uo pipefail
CASE=$1 NASHOST=$2 SRC=$3 WORK=$4/$1
HERE=$SRC/tests/framework/hardening
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 2
export OMP_NUM_THREADS=1

fail() { echo "FAIL $CASE: $*"; exit 1; }
newest_run() { ls -d "$1"/*/ 2>/dev/null | tail -n 1; }
status_of() { python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["invocations"][-1]; print(i["status"], i.get("exit_code"))' "$1/run.json"; }
# runs nashost, keeping its output in out.txt and its exit code in $rc
run() { "$NASHOST" "$@" >out.txt 2>&1; rc=$?; cat out.txt; }
# Exit codes above 128 from a signal (a crash) are never acceptable.
no_crash() { ((rc < 128 || rc == 130 || rc == 143)) || fail "nashost died of a signal (exit $rc)"; }

case $CASE in
plot_injection)
  # A runs folder holding shell syntax is just a name: nothing runs, the run succeeds.
  runs="$WORK/d\$(touch $WORK/pwned-dollar)\`touch $WORK/pwned-tick\`"
  NASHOST_TEST_MARKER="$WORK/pwned-string" run run "$HERE/plot_strings.lua" --runs-dir "$runs" --no-progress
  ((rc == 0)) || fail "the run failed (exit $rc)"
  grep -q "plot strings are inert" out.txt || fail "the script did not finish"
  ls "$WORK" | grep -q pwned && fail "something was executed: $(ls "$WORK" | grep pwned)"
  # $HOME in a path is only text too
  run run "$SRC/tests/framework/lua/bar_chart.lua" --runs-dir "$WORK/\$HOME" --no-progress
  ((rc == 0)) && [ -d "$WORK/\$HOME" ] || fail "a runs folder named \$HOME did not work (exit $rc)"
  ;;
plot_paths) run run "$HERE/plot_paths.lua" --runs-dir "$WORK/runs" --no-progress
  ((rc == 0)) && grep -q "stay inside the run" out.txt || fail "exit $rc"
  [ -e "$WORK/5-normal.png" ] && fail "g:plot wrote into the current folder"
  [ -e /tmp/nashost-outside.png ] && fail "nas.plot wrote an absolute path"
  ;;
gc_twice) run run "$HERE/gc_twice.lua" --runs-dir "$WORK/runs" --no-progress
  no_crash; ((rc == 0)) && grep -q "harmless" out.txt || fail "exit $rc" ;;
deep_toml)
  # A deep dotted table header: accepted while sane, refused with a message beyond the bound.
  python3 -c 'print("[" + ".".join(["a"] * 50) + "]\nx = 1\n[search]\nepochs = 1")' >ok.toml
  run run "$SRC/tests/framework/lua/results.lua" --config ok.toml --runs-dir runs --no-progress
  ((rc == 0)) || fail "50 levels were refused (exit $rc)"
  python3 -c 'print("[" + ".".join(["a"] * 100) + "]\nx = 1")' >deep.toml
  run run "$SRC/tests/framework/lua/results.lua" --config deep.toml --runs-dir runs --no-progress
  no_crash; ((rc == 2)) && grep -q "deep.toml:1: a dotted key or table header of more than 64 parts" out.txt || fail "exit $rc"
  # 50 000 parts overflowed the stack inside toml++ (a fuzzing finding).
  python3 -c 'print(".".join(["a"] * 50000) + " = 1")' >dotted.toml
  run run "$SRC/tests/framework/lua/results.lua" --config dotted.toml --runs-dir runs --no-progress
  no_crash; ((rc == 2)) && grep -q "dotted.toml:1: a dotted key" out.txt || fail "50 000 dotted parts: exit $rc"
  # Inline tables nest through the other bound (the tree's depth).
  python3 -c 'print("x = " + "{a = " * 100 + "1" + "}" * 100)' >inline.toml
  run run "$SRC/tests/framework/lua/results.lua" --config inline.toml --runs-dir runs --no-progress
  no_crash; ((rc == 2)) || fail "100 nested inline tables: exit $rc"
  python3 -c 'print("x = " + "[" * 100000 + "]" * 100000)' >brackets.toml
  run run "$SRC/tests/framework/lua/results.lua" --config brackets.toml --runs-dir runs --no-progress
  no_crash; ((rc == 2)) || fail "10^5 nested arrays: exit $rc"
  ;;
deep_genotype)
  # A genotype whose meta nests n levels (the genotype object adds one).
  genotype() { python3 -c 'import sys; n=int(sys.argv[1]); cell="{\"nodes\": [[[\"skip_connect\", 0], [\"skip_connect\", 1]]], \"concat\": [2]}"; print("{\"format\": \"nashost-genotype\", \"version\": 1, \"space\": \"darts\", \"normal\": %s, \"reduce\": %s, \"meta\": %s}" % (cell, cell, "{\"x\": " * n + "1" + "}" * n))' "$1"; }
  genotype 60 >meta60.json
  NASHOST_TEST_GENOTYPE=$WORK/meta60.json run run "$HERE/deep_meta.lua" --runs-dir runs --no-progress
  ((rc == 0)) && grep -q "meta depth 60" out.txt || fail "a 60-level meta did not load (exit $rc)"
  genotype 100 >meta100.json
  NASHOST_TEST_GENOTYPE=$WORK/meta100.json run run "$HERE/deep_meta.lua" --runs-dir runs --no-progress
  no_crash; ((rc != 0)) && grep -q "nested deeper than 64" out.txt || fail "a 100-level meta: exit $rc"
  python3 -c 'print("[" * 100000 + "]" * 100000)' >brackets.json
  for action in show convert; do
    run genotype $action brackets.json
    no_crash; ((rc != 0)) && grep -q "nested deeper than 64" out.txt || fail "genotype $action: exit $rc"
  done
  ;;
full_disk)
  # A file size limit makes every large write fail like a full disk (EFBIG instead of ENOSPC).
  args=(run "$SRC/scripts/fmnist_darts.lua" --profile tiny --no-progress --seed 1 --name fd --runs-dir "$WORK/runs")
  (ulimit -f 64; trap '' XFSZ; exec "$NASHOST" "${args[@]}") >out.txt 2>&1; rc=$?; cat out.txt
  no_crash; ((rc == 1 || rc == 3)) || fail "expected exit 1 (or 3: raised in the script) on a full disk, got $rc"
  grep -q "cannot write .*search.ckpt" out.txt || fail "no message naming the checkpoint"
  d=$(newest_run "$WORK/runs")
  ls -R "$d" | grep -q "tmp-" && fail "a temporary file was left: $(ls -R "$d" | grep tmp-)"
  read -r st code < <(status_of "$d")
  [ "$st" = failed ] || fail "run.json says '$st'"
  run "${args[@]}" --resume
  ((rc == 0)) || fail "--resume after space was freed failed (exit $rc)"
  read -r st code < <(status_of "$d")
  [ "$st" = finished ] || fail "run.json says '$st' after the resume"
  ;;
interrupt_lua_loop)
  "$NASHOST" run "$HERE/busy_loop.lua" --runs-dir "$WORK/runs" --no-progress >out.txt 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q looping out.txt && break; sleep 0.1; done
  kill -INT $pid
  for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "still running 10 s after Ctrl-C"; }
  wait $pid; rc=$?; cat out.txt
  ((rc == 130)) || fail "exit $rc, expected 130"
  read -r st code < <(status_of "$(newest_run "$WORK/runs")")
  [ "$st $code" = "interrupted 130" ] || fail "run.json says '$st $code'"
  ;;
interrupt_one_hot)
  args=(run "$SRC/scripts/fmnist_hyper.lua" --profile tiny --no-progress --runs-dir "$WORK/runs" --name oh
        --set finetune.one-hot.epochs=100000 --set finetune.one-hot.drop_path_delta=0)
  "$NASHOST" "${args[@]}" >out.txt 2>&1 &
  pid=$!
  for _ in $(seq 600); do grep -q "with one-hot" out.txt && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  grep -q "with one-hot" out.txt || { kill -9 $pid; cat out.txt; fail "the one-hot training never started"; }
  sleep 1
  kill -INT $pid
  for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "the one-hot trainer ignored Ctrl-C for 10 s"; }
  wait $pid; rc=$?; cat out.txt
  ((rc == 130)) || fail "exit $rc, expected 130"
  d=$(newest_run "$WORK/runs")
  read -r st code < <(status_of "$d")
  [ "$st" = interrupted ] || fail "run.json says '$st'"
  ls "$d"/train/*/result.json >/dev/null 2>&1 && fail "the interrupted training was recorded as done"
  [ -f "$d/checkpoints/darts-cc.ckpt" ] || ls "$d/checkpoints/" | grep -q ckpt || fail "the search checkpoint is gone"
  ;;
resume_lock)
  run run "$SRC/tests/framework/lua/results.lua" --name locked --runs-dir "$WORK/runs" --no-progress
  d=$(newest_run "$WORK/runs")
  NASHOST_TEST_SECONDS=6 "$NASHOST" run "$HERE/sleeper.lua" --name locked --resume --runs-dir "$WORK/runs" \
    --no-progress >first.txt 2>&1 &
  pid=$!
  sleep 2
  run run "$SRC/tests/framework/lua/results.lua" --name locked --resume --runs-dir "$WORK/runs" --no-progress
  wait $pid; first=$?
  ((rc == 1)) && grep -q "is in use by another nashost process (pid $pid)" out.txt || fail "second resume: exit $rc"
  ((first == 0)) || fail "the first resume failed (exit $first)"
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["invocations"]))' "$d/run.json")
  ((n == 2)) || fail "run.json has $n invocations, expected 2 (the refused one must not be recorded)"
  ;;
os_exit) run run "$HERE/exit_code.lua" --runs-dir "$WORK/runs" --no-progress
  ((rc == 3)) || fail "exit $rc, expected 3"
  read -r st code < <(status_of "$(newest_run "$WORK/runs")")
  [ "$st $code" = "exited 3" ] || fail "run.json says '$st $code'"
  ;;
killed_run_is_recorded)
  NASHOST_TEST_SECONDS=30 "$NASHOST" run "$HERE/sleeper.lua" --name k --runs-dir "$WORK/runs" --no-progress >/dev/null 2>&1 &
  pid=$!
  # kill it once it is running its script (run.json written), however slow the start-up
  for _ in $(seq 300); do [ -f "$(newest_run "$WORK/runs")run.json" ] && break; sleep 0.1; done
  sleep 0.5; kill -9 $pid; wait $pid
  run run "$SRC/tests/framework/lua/results.lua" --name k --resume --runs-dir "$WORK/runs" --no-progress
  ((rc == 0)) || fail "resume after kill -9: exit $rc"
  python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["invocations"]; assert [x["status"] for x in i] == ["died", "finished"], i' \
    "$(newest_run "$WORK/runs")/run.json" || fail "the killed invocation is not marked died"
  ;;
refused_resume_keeps_config)
  args=(run "$SRC/scripts/fmnist_darts.lua" --profile tiny --no-progress --seed 1 --name rr --runs-dir "$WORK/runs")
  run "${args[@]}"; ((rc == 0)) || fail "first run: exit $rc"
  d=$(newest_run "$WORK/runs")
  cp "$d/config.resolved.json" before.json
  run "${args[@]}" --resume --set search.channels=6
  ((rc != 0)) && grep -q "was made with channels" out.txt || fail "the resume was not refused (exit $rc)"
  cmp -s before.json "$d/config.resolved.json" || fail "config.resolved.json was overwritten by the refused config"
  ;;
resume_without_checkpoint)
  args=(run "$SRC/scripts/fmnist_darts.lua" --profile tiny --no-progress --seed 1 --name nc --runs-dir "$WORK/runs")
  run "${args[@]}"; ((rc == 0)) || fail "first run: exit $rc"
  rm "$(newest_run "$WORK/runs")"/checkpoints/*.ckpt
  run "${args[@]}" --resume
  grep -q "has no checkpoint .*starts again from epoch 1" out.txt || fail "the restart was silent (exit $rc)"
  ;;
set_declared_option)
  run run "$HERE/print_config.lua" --config "$SRC/tests/framework/lua/good.toml" --set search.w_lr=1 \
    --runs-dir "$WORK/runs" --no-progress
  ((rc == 0)) && grep -q "search.w_lr = 1.0 (float)" out.txt || fail "--set of a declared option: exit $rc"
  run run "$HERE/print_config.lua" --config "$SRC/tests/framework/lua/good.toml" --set search.w_lrr=1 \
    --runs-dir "$WORK/runs" --no-progress
  ((rc == 2)) && grep -q "no component declares an option 'w_lrr'" out.txt || fail "a typo was accepted: exit $rc"
  ;;
runs_symlink_loop)
  # A symlink loop in the runs folder, named like a run of the same name, is skipped.
  run run "$SRC/tests/framework/lua/results.lua" --name sl --runs-dir "$WORK/runs" --no-progress
  ln -s sl-29990101-000000 "$WORK/runs/sl-29990101-000000"
  run run "$SRC/tests/framework/lua/results.lua" --name sl --resume --runs-dir "$WORK/runs" --no-progress
  no_crash; ((rc == 0)) || fail "a symlink loop in the runs folder broke --resume (exit $rc)"
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
echo "PASS $CASE"
