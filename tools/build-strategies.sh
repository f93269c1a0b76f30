#!/usr/bin/env bash
# Builds the strategies under strategies/ the way a plugin outside this repository is built:
# installs the SDK from the main build into a prefix, then configures strategies/ against it
# with find_package(nashost). The plugins land in <build>/strategies/plugins:
#   nashost --plugin-path build/strategies/plugins run scripts/fmnist_rs_ws.lua
# Usage: tools/build-strategies.sh [main build folder, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
work="$build/strategies"
mkdir -p "$work"
# One build at a time in this folder (CTest may start the fixture while a user builds).
exec 9>"$work/.lock"
flock 9
cmake --install "$build" --prefix "$work/prefix" >/dev/null
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S strategies -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DNASHOST_PLUGIN_OUTPUT_DIR="$work/plugins" "${launcher[@]}" >/dev/null
cmake --build "$work/build" -j "${NASHOST_BUILD_JOBS:-2}"
echo "strategies built: $work/plugins"
