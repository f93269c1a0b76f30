#!/usr/bin/env bash
# One command: set everything up, then run the main job (quick profile by default).
#   tools/run-main.sh [extra nashost run options, e.g. --profile paper --device cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
if [ -z "${NAS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export NAS_DATA_DIR=$(cd ../shared/data && pwd); fi
exec build/bin/nashost run scripts/fmnist_hyper.lua "$@"
