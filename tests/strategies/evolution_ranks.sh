#!/usr/bin/env bash
# evolution's parallel trials: 2 ranks (nashost launch, Gloo) share each round's children and
# end with the history, the found genotype and the results table of one process.
# evolution_ranks.sh NASHOST SOURCE_DIR PLUGIN_DIR WORK_DIR; prints "PASS evolution_ranks".
set -uo pipefail
NASHOST=$1 SRC=$2 PLUGINS=$3 WORK=$4
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 2
export OMP_NUM_THREADS=1 NAS_PLUGIN_PATH=$PLUGINS
fail() { echo "FAIL evolution_ranks: $*"; exit 1; }
newest_run() { ls -d "$1"/*/ 2>/dev/null | tail -n 1; }

args=(run "$SRC/scripts/fmnist_evolution.lua" --profile tiny --seed 1 --no-progress --name e)
"$NASHOST" "${args[@]}" --runs-dir "$WORK/one" >one.txt 2>&1 || { cat one.txt; fail "1 rank failed"; }
"$NASHOST" launch --nproc 2 -- "${args[@]}" --runs-dir "$WORK/two" >two.txt 2>&1 || { cat two.txt; fail "2 ranks failed"; }
one=$(newest_run "$WORK/one") two=$(newest_run "$WORK/two")
diff "$one/search/evolution/history.csv" "$two/search/evolution/history.csv" ||
  fail "2 ranks evolved another history than 1"
diff "$one/genotypes/evolution_synthetic-images.json" "$two/genotypes/evolution_synthetic-images.json" ||
  fail "2 ranks found another genotype than 1"
diff "$one/results.txt" "$two/results.txt" || fail "2 ranks gave another results table than 1"
# each rank trained its share of every round: children 1 and 3 of a round of 4 on rank 1
grep -q "darts-eval\[evolution/trial-00001\]" "$two/log.rank1.txt" || fail "rank 1 trained no child"
if grep -q "darts-eval\[evolution/trial-00001\]" "$two/log.txt"; then fail "rank 0 trained rank 1's child"; fi
[ -s "$one/evolution.png" ] || fail "no picture of the evolution (evolution.png)"
cat "$one/search/evolution/history.csv"
echo "PASS evolution_ranks"
