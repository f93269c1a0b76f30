#!/usr/bin/env bash
# Packs the built host, plugins and benchmarks (stripped) with the non-LibTorch shared
# libraries they need and a copy of Fashion-MNIST and PTB into .devbundle/, for a GPU
# machine that has the same torch (2.11, cu130) in its Python but none of our Debian
# libraries and no network. There, tools/device-check.sh runs the CUDA checks from it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.devbundle
rm -rf "$out" && mkdir -p "$out"/{bin,lib,plugins,data}
# With the tests that need a GPU (they skip on the CPU): the CUDA-graph capture.
for f in build/bin/nashost build/bin/nashost-bench-* build/tests/darts/test_step_graph build/tests/darts/test_darts_search \
  build/tests/darts_cc/darts_cc_tests build/tests/enas/enas_tests \
  build/tests/enas/enas_cnn_tests; do
  strip --strip-unneeded -o "$out/bin/$(basename "$f")" "$f"
done
# The graphene reader pulls netCDF/HDF5 and half a TLS stack: not needed for the GPU checks.
for f in $(ls build/plugins/*.so | grep -v graphene); do strip --strip-unneeded -o "$out/plugins/$(basename "$f")" "$f"; done
strip --strip-unneeded -o "$out/lib/libnashost_sdk.so.0" build/lib/libnashost_sdk.so.0
# Every shared library from the system (not LibTorch, not glibc) that our binaries use.
ldd "$out"/bin/* "$out"/plugins/*.so 2>/dev/null | awk '/=> \/(usr\/)?lib\/x86_64/ {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libdl|libpthread|librt|libutil|libresolv|libgcc_s|libstdc\+\+)\.so' |
  while read -r lib; do cp -L "$lib" "$out/lib/"; done
shared=${NAS_DATA_DIR:-../shared/data}
for d in fashion-mnist ptb; do [ -d "$shared/$d" ] && cp -r "$shared/$d" "$out/data/"; done
du -sh "$out"
