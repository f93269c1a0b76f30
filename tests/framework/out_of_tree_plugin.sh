#!/usr/bin/env bash
# Installs the SDK to a temporary prefix, builds sdk/examples/hello_plugin against it with
# find_package + nashost_add_plugin, and checks that the host lists the new plugin and that
# a Lua script runs its strategy.
set -euo pipefail
src=$1; build=$2; nashost=$3
work="$build/out_of_tree"
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/sdk/examples/hello_plugin" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$nashost" --plugin-path "$work/build/plugins" plugins
"$nashost" --plugin-path "$work/build/plugins" run "$src/tests/framework/lua/hello_search.lua" \
  --runs-dir "$work/runs" --no-progress
