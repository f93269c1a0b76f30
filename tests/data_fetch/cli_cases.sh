#!/usr/bin/env bash
# Usage: cli_cases.sh CASE NASHOST PYTHON TMP_ROOT — one command-line case of `nashost data`
# against the local server of fixture_server.py (never the internet: --mirror-only or
# NAS_DATA_MIRROR_ONLY=1). Prints the output, then "PASS CASE" or "FAIL CASE: why".
set -u
case=$1 nashost=$2 python=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp="$4/$case-$$"
rm -rf "$tmp" && mkdir -p "$tmp/srv" "$tmp/data"
"$python" "$here/fixture_server.py" make "$tmp/srv"
"$python" "$here/fixture_server.py" serve "$tmp/srv" "$tmp/srv/port" "$tmp/srv/log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/srv/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$tmp/srv/port")"
sums="$tmp/srv/checksums.txt"
fail() { echo "FAIL $case: $*"; exit 1; }
run() { out=$("$@" 2>&1); rc=$?; printf '%s\n[exit code %d]\n' "$out" "$rc"; }
expect() { grep -qE -- "$1" <<<"$out" || fail "output lacks /$1/"; }

case $case in
fetch_and_list)
  run "$nashost" data fetch fashion-mnist cifar10 wikitext2 --dir "$tmp/data" --mirror "$url/files" --mirror-only \
    --checksums "$sums" --no-progress
  [ $rc -eq 0 ] || fail "fetch exited $rc"
  expect "fashion-mnist: fetched and verified in $tmp/data/fashion-mnist"
  expect "cifar10: fetched and verified in $tmp/data/cifar-10-batches-bin"
  run "$nashost" data list --dir "$tmp/data" --checksums "$sums"
  expect "fashion-mnist +verified +$tmp/data/fashion-mnist"
  expect "cifar10 +verified +$tmp/data/cifar-10-batches-bin"
  expect "wikitext2 +verified +$tmp/data/wikitext-2"
  expect "mnist +missing +not found; .nashost data fetch mnist. puts it in $tmp/data/mnist"
  expect "looked in: $tmp/data\$"   # --dir is the option data_dir: the folder itself first
  expect "^ +$tmp/data/mnist\$"
  expect "$tmp/data/MNIST/raw"
  run "$nashost" data fetch fashion-mnist --dir "$tmp/data" --mirror "$url/missing" --mirror-only --checksums "$sums"
  [ $rc -eq 0 ] || fail "a second fetch of files that are there exited $rc"
  expect "fashion-mnist: already there in"
  ;;
offline)
  port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run "$nashost" data fetch mnist --dir "$tmp/data" --mirror "http://127.0.0.1:$port" --mirror-only --no-progress
  [ $rc -eq 1 ] || fail "exit code $rc, expected 1"
  expect "cannot fetch dataset 'mnist'"
  expect "http://127.0.0.1:$port/mnist/train-images-idx3-ubyte.gz: "
  expect "What to do"
  expect "$tmp/data/mnist/t10k-labels-idx1-ubyte.gz +<- https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz, md5 ec29112dd5afa0611ce80d1b7f02629c"
  [ -z "$(find "$tmp/data" -type f)" ] || fail "files were left: $(find "$tmp/data" -type f)"
  ;;
unknown_dataset)
  run "$nashost" data fetch imagenet --dir "$tmp/data"
  [ $rc -eq 2 ] || fail "exit code $rc, expected 2"
  expect "no dataset 'imagenet' to fetch; known: fashion-mnist, mnist, cifar10, cifar100, ptb, wikitext2"
  ;;
python_layout_listed)
  mkdir -p "$tmp/data/cifar-10-batches-py"
  run "$nashost" data list --dir "$tmp/data"
  expect "note: $tmp/data/cifar-10-batches-py holds the CIFAR-10 Python version"
  ;;
download_fails_falls_back_loudly)
  NAS_DATA_DIR="$tmp/data" NAS_DATA_MIRROR="$url/missing" NAS_DATA_MIRROR_ONLY=1 \
    run "$nashost" run "$here/open_with_download.lua" --no-progress --runs-dir "$tmp/runs"
  [ $rc -eq 0 ] || fail "exit code $rc"
  expect "download = true, but the download FAILED"
  expect "$url/missing/fashion-mnist/train-images-idx3-ubyte.gz: HTTP 404"
  expect "falling back to 'synthetic-images'"
  expect "opened: SYNTHETIC \\(fashion-mnist missing\\)"
  ;;
download_option_in_a_run)
  NAS_DATA_DIR="$tmp/data" NAS_DATA_MIRROR="$url/files" NAS_DATA_MIRROR_ONLY=1 NAS_DATA_CHECKSUMS="$sums" \
    run "$nashost" run "$here/open_with_download.lua" --no-progress --runs-dir "$tmp/runs"
  [ $rc -eq 0 ] || fail "exit code $rc"
  expect "fetching them \\(download = true\\)"
  expect "opened: fashion-mnist"
  [ -f "$tmp/data/fashion-mnist/train-images-idx3-ubyte.gz" ] || fail "no file fetched"
  ;;
*) fail "unknown case" ;;
esac
echo "PASS $case"
