#!/usr/bin/env bash
# One command: set everything up, then run the main job (quick profile by default).
#   tools/run-main.sh [extra nashost run options, e.g. --profile paper --device cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
if [ -z "${NAS_DATA_DIR:-}" ] && [ -d ../shared/data ]; then export NAS_DATA_DIR=$(cd ../shared/data && pwd); fi
# Fashion-MNIST first (nothing is downloaded when it is there and verified). Without a network
# the job runs as before, loudly on synthetic data, and does not wait for the network again.
if ! build/bin/nashost data fetch fashion-mnist; then
  echo "run-main: Fashion-MNIST could not be fetched (see above); the job falls back to SYNTHETIC data" >&2
  export NAS_DATA_OFFLINE=1
fi
exec build/bin/nashost run scripts/fmnist_hyper.lua "$@"
