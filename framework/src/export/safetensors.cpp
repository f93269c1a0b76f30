#include "safetensors.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <set>

#include <ATen/ATen.h>

#include "nashost/config.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"

namespace nas::host {
namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian bytes; this writer copies memory as it is");

namespace {

const std::vector<std::pair<at::ScalarType, std::string>>& dtype_names() {
  static const std::vector<std::pair<at::ScalarType, std::string>> names{
      {at::kDouble, "F64"}, {at::kFloat, "F32"}, {at::kHalf, "F16"}, {at::kBFloat16, "BF16"}, {at::kLong, "I64"},
      {at::kInt, "I32"},    {at::kShort, "I16"}, {at::kChar, "I8"},  {at::kByte, "U8"},       {at::kBool, "BOOL"}};
  return names;
}

/// Layout in the file: what the header says and the bytes it refers to.
struct Entry {
  std::string name;
  at::Tensor data;  ///< contiguous, CPU
  uint64_t begin = 0, end = 0;
};

}  // namespace

std::string safetensors_dtype(at::ScalarType t, const std::string& tensor) {
  for (const auto& [type, name] : dtype_names())
    if (type == t) return name;
  throw Error("safetensors: tensor '" + tensor + "' has dtype " + std::string(c10::toString(t)) +
              ", which the format cannot hold");
}

at::ScalarType scalar_type_of_safetensors_dtype(const std::string& name, const std::string& tensor) {
  for (const auto& [type, n] : dtype_names())
    if (n == name) return type;
  throw Error("tensor '" + tensor + "' has unsupported dtype \"" + name + "\"");
}

void write_safetensors(const fs::path& file, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<Entry> entries;
  std::set<std::string> seen;
  uint64_t offset = 0;
  Json header = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__") throw Error("safetensors: invalid tensor name '" + name + "'");
    if (!seen.insert(name).second) throw Error("safetensors: tensor '" + name + "' is given twice");
    Entry e{name, tensor.detach().to(at::kCPU).contiguous()};
    e.begin = offset;
    e.end = offset + static_cast<uint64_t>(e.data.nbytes());
    offset = e.end;
    header[name] = Json{{"dtype", safetensors_dtype(e.data.scalar_type(), name)},
                        {"shape", e.data.sizes().vec()},
                        {"data_offsets", Json::array({e.begin, e.end})}};
    entries.push_back(std::move(e));
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  atomic_write(file, [&](std::ostream& out) {
    uint64_t n = text.size();
    char size_bytes[8];
    std::memcpy(size_bytes, &n, 8);  // little-endian (static_assert above)
    out.write(size_bytes, 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& e : entries)
      out.write(static_cast<const char*>(e.data.data_ptr()), static_cast<std::streamsize>(e.end - e.begin));
  });
}

NamedTensors read_safetensors(const fs::path& file, std::map<std::string, std::string>* metadata) {
  const std::string bytes = read_text_file(file);
  const auto bad = [&](const std::string& what) -> Error {
    return Error("safetensors file '" + file.string() + "': " + what);
  };
  if (bytes.size() < 8) throw bad("shorter than its 8-byte header length");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > bytes.size() - 8) throw bad("header length " + std::to_string(n) + " exceeds the file");
  const Json header =
      parse_json_text(std::string_view(bytes).substr(8, n), "safetensors header of '" + file.string() + "'");
  if (!header.is_object()) throw bad("the header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - n;
  const char* data = bytes.data() + 8 + n;
  NamedTensors out;
  for (const auto& [name, spec] : header.items()) {
    if (name == "__metadata__") {
      if (metadata && spec.is_object())
        for (const auto& [k, v] : spec.items())
          if (v.is_string()) (*metadata)[k] = v.get<std::string>();
      continue;
    }
    if (!spec.is_object() || !spec.contains("dtype") || !spec.contains("shape") || !spec.contains("data_offsets"))
      throw bad("tensor '" + name + "' lacks dtype, shape or data_offsets");
    if (!spec["dtype"].is_string()) throw bad("tensor '" + name + "' has a dtype that is not a string");
    at::ScalarType type = at::kFloat;
    try {
      type = scalar_type_of_safetensors_dtype(spec["dtype"].get<std::string>(), name);
    } catch (const Error& e) {
      throw bad(e.what());
    }
    std::vector<int64_t> shape;
    uint64_t count = 1;
    for (const auto& d : spec["shape"]) {
      if (!d.is_number_unsigned()) throw bad("tensor '" + name + "' has a bad shape " + spec["shape"].dump());
      const uint64_t v = d.get<uint64_t>();
      if (v != 0 && count > data_size / v) throw bad("tensor '" + name + "' is larger than the file");
      count *= v;
      shape.push_back(static_cast<int64_t>(v));
    }
    const Json& off = spec["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw bad("tensor '" + name + "' has bad data_offsets " + off.dump());
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    const uint64_t item = c10::elementSize(type);
    if (begin > end || end > data_size || end - begin != count * item)
      throw bad("tensor '" + name + "': data_offsets " + off.dump() + " do not fit its shape or the file");
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(type));
    if (end > begin) std::memcpy(t.data_ptr(), data + begin, end - begin);
    out.emplace_back(name, t);
  }
  return out;
}

}  // namespace nas::host
