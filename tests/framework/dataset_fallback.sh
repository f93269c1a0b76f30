#!/usr/bin/env bash
# Usage: dataset_fallback.sh NASHOST missing|corrupt
# Runs lua/open_dataset.lua with NAS_DATA_DIR at a fresh temporary folder:
#   missing: no fashion-mnist files -> the script falls back, loudly, to synthetic images;
#   corrupt: the files are there but a training label is 11 (10 classes) -> the script stops
#            with an error naming the file, and never falls back.
# Prints the output and "exit code: N" for the test's regular expression.
set -u
nashost=$1 mode=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nashost-fallback.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
data="$tmp/data/fashion-mnist"
mkdir -p "$data"
if [ "$mode" = corrupt ]; then
  # IDX: big-endian magic (0x803 images, 0x801 labels), count, rows, cols, then the bytes.
  images() { printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c 784 /dev/zero; }
  images > "$data/train-images-idx3-ubyte"
  images > "$data/t10k-images-idx3-ubyte"
  printf '\x00\x00\x08\x01\x00\x00\x00\x01\x0b' > "$data/train-labels-idx1-ubyte"
  printf '\x00\x00\x08\x01\x00\x00\x00\x01\x03' > "$data/t10k-labels-idx1-ubyte"
fi
NAS_DATA_DIR="$tmp/data" OMP_NUM_THREADS=1 "$nashost" run "$here/lua/open_dataset.lua" --no-progress \
  --runs-dir "$tmp/runs" 2>&1
echo "exit code: $?"
