#!/usr/bin/env bash
# Installs everything nashost needs on a fresh Debian 12 machine and builds it.
# Idempotent: a second run skips what is already there and only rebuilds what changed.
#   tools/setup.sh            install + build (Release-ish, build/)
#   tools/setup.sh --deps-only [--sanitizers]
#                             install only (tools/sanitize.sh and tools/fuzz.sh: their own builds);
#                             --sanitizers adds clang, its sanitizer runtimes / libFuzzer and llvm-symbolizer
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TORCH_VERSION=2.11.0   # pinned LibTorch (the torch wheel's bundled copy)

DEBS=(cmake ninja-build g++ ccache pkg-config python3-venv zlib1g-dev
      libboost-dev libboost-filesystem-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
      liblua5.4-dev nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev
      graphviz gnuplot-nox libpng-dev libjpeg-dev libnetcdf-dev libstb-dev libgloo-dev
      libcurl4-openssl-dev libarchive-dev libssl-dev ca-certificates clang-format)
for arg in "$@"; do
  case "$arg" in
    --deps-only) DEPS_ONLY=1 ;;
    --sanitizers) DEBS+=(clang-16 libclang-rt-16-dev llvm-16) ;;  # clang 14 lacks C++20 lambda captures of structured bindings
    *) echo "setup: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -z "${Torch_DIR:-}" ]; then
  if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    echo "setup: installing torch==$TORCH_VERSION into .venv (LibTorch comes from the wheel)"
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q "torch==$TORCH_VERSION"
  fi
fi

# safetensors: python/nashost_torch reads `nashost export` folders with it (tests/export runs it).
SAFETENSORS_VERSION=0.8.0
if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import safetensors, sys; sys.exit(safetensors.__version__ != '$SAFETENSORS_VERSION')" 2>/dev/null; then
  echo "setup: installing safetensors==$SAFETENSORS_VERSION into .venv"
  .venv/bin/pip install -q "safetensors==$SAFETENSORS_VERSION"
fi

# tensorboard: the tests read our event files with TensorBoard's own reader; users open runs with it.
TENSORBOARD_VERSION=2.21.0
if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import tensorboard, sys; sys.exit(tensorboard.__version__ != '$TENSORBOARD_VERSION')" 2>/dev/null; then
  echo "setup: installing tensorboard==$TENSORBOARD_VERSION into .venv"
  .venv/bin/pip install -q "tensorboard==$TENSORBOARD_VERSION"
fi

if [ -n "${DEPS_ONLY:-}" ]; then exit 0; fi

# ccache: paths relative to the checkout, so another clone (CI) reuses the cache.
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
BUILD_DIR=${NASHOST_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja ${Torch_DIR:+-DTorch_DIR="$Torch_DIR"} >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "setup: done — $ROOT/$BUILD_DIR/bin/nashost"
