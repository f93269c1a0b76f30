# Finds every third-party dependency once, for the whole tree.
#
# LibTorch: from the project's virtual environment (.venv, made by tools/setup.sh)
# unless the user points Torch_DIR / CMAKE_PREFIX_PATH at their own LibTorch.
if(NOT Torch_DIR AND EXISTS "${CMAKE_SOURCE_DIR}/.venv/bin/python")
  execute_process(
    COMMAND "${CMAKE_SOURCE_DIR}/.venv/bin/python" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
    OUTPUT_VARIABLE _torch_prefix OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_torch_prefix)
    list(APPEND CMAKE_PREFIX_PATH "${_torch_prefix}")
  endif()
endif()
# We compile no CUDA code ourselves (LibTorch's kernels do the GPU work), so skip
# LibTorch's probe for local GPUs, which would try to run a CUDA test program.
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
endif()
find_package(Torch REQUIRED)
# TorchConfig puts CUDA flags into TORCH_CXX_FLAGS for some builds; the targets carry what we need.
message(STATUS "nashost: LibTorch ${Torch_VERSION} from ${TORCH_INSTALL_PREFIX}")

find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(spdlog REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
# Dataset downloads in the SDK (nashost/data_fetch.hpp): HTTP(S) with libcurl, tar/zip
# with libarchive, md5/sha256 with OpenSSL (Debian libcurl4-openssl-dev, libarchive-dev, libssl-dev).
find_package(CURL REQUIRED)
find_package(LibArchive REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(PkgConfig REQUIRED)
# lua5.4-c++: Lua built as C++, so lua_error unwinds as an exception and RAII in bindings runs.
pkg_check_modules(LUA REQUIRED IMPORTED_TARGET lua5.4-c++)

# The torch wheel ships its own {fmt} headers (a newer major version) in its include
# directory, which would shadow the {fmt} that Debian's spdlog was built with. A shim
# folder holding only a link to the system {fmt} goes first on the include path.
find_path(NASHOST_SYSTEM_FMT_DIR fmt/core.h PATHS /usr/include /usr/local/include NO_DEFAULT_PATH)
if(NOT NASHOST_SYSTEM_FMT_DIR)
  message(FATAL_ERROR "nashost: the system {fmt} headers (libfmt-dev) were not found")
endif()
set(NASHOST_FMT_SHIM_DIR "${CMAKE_BINARY_DIR}/include-shim")
file(MAKE_DIRECTORY "${NASHOST_FMT_SHIM_DIR}")
if(NOT EXISTS "${NASHOST_FMT_SHIM_DIR}/fmt")
  file(CREATE_LINK "${NASHOST_SYSTEM_FMT_DIR}/fmt" "${NASHOST_FMT_SHIM_DIR}/fmt" SYMBOLIC)
endif()
