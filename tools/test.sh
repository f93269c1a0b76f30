#!/usr/bin/env bash
# One command: set everything up, build, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
if [ -z "${NAS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export NAS_DATA_DIR=$(cd ../shared/data && pwd); fi
export OMP_NUM_THREADS=1
ctest --test-dir build --output-on-failure -j2 --timeout 600 "$@"
