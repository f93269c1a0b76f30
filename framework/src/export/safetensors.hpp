#pragma once
// The safetensors file format (Hugging Face), written and read in C++ so that nashost's
// models leave as files every PyTorch tool loads (`safetensors.torch.load_file`).
//
// Layout: 8-byte little-endian header length N, N bytes of JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
// then the raw little-endian bytes of every tensor, back to back in header order.
// The header is padded with spaces to a multiple of 8 bytes (as the Python writer does),
// so the data of every tensor starts aligned.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nas::host {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

/// Writes `tensors` (any device, any layout: copied to contiguous CPU) to `file`,
/// atomically. nas::Error for an unsupported dtype, a duplicate or empty name.
void write_safetensors(const std::filesystem::path& file, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

/// Reads a safetensors file (tensors in header order); nas::Error naming the file and the
/// problem for anything malformed (sizes are checked before anything is allocated).
/// The format's dtype names ("F32", "I64", ...), also used by config.json's tensor list.
/// nas::Error for a dtype the format cannot hold / a name it does not define.
std::string safetensors_dtype(at::ScalarType type, const std::string& tensor);
at::ScalarType scalar_type_of_safetensors_dtype(const std::string& name, const std::string& tensor);

NamedTensors read_safetensors(const std::filesystem::path& file,
                              std::map<std::string, std::string>* metadata = nullptr);

}  // namespace nas::host
