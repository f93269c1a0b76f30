#include "tensorboard_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iomanip>

#include <boost/crc.hpp>

#include "nashost/error.hpp"
#include "nashost/io.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
template <class T>
void put_fixed(std::string& out, T v) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));  // little-endian host, as protobuf wants
  out.append(bytes, sizeof(T));
}
void put_bytes_field(std::string& out, int field, const std::string& bytes) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  put_varint(out, bytes.size());
  out += bytes;
}

uint64_t get_varint(const std::string& s, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; pos < s.size() && shift < 64; shift += 7) {
    const uint8_t b = static_cast<uint8_t>(s[pos++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
  throw Error("malformed varint in event file");
}

}  // namespace

uint32_t tfrecord_masked_crc(const std::string& bytes) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;  // CRC-32C
  crc.process_bytes(bytes.data(), bytes.size());
  const uint32_t c = crc.checksum();
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

std::string frame_record(const std::string& data) {
  std::string len;
  put_fixed<uint64_t>(len, data.size());
  std::string out = len;
  put_fixed<uint32_t>(out, tfrecord_masked_crc(len));
  out += data;
  put_fixed<uint32_t>(out, tfrecord_masked_crc(data));
  return out;
}

std::string encode_version_event(double wall_time) {
  std::string ev;
  put_varint(ev, (1 << 3) | 1);  // wall_time: double
  put_fixed<double>(ev, wall_time);
  put_bytes_field(ev, 3, "brain.Event:2");  // file_version
  return ev;
}

std::string encode_scalar_event(double wall_time, int64_t step, const std::string& tag, float value) {
  std::string val;
  put_bytes_field(val, 1, tag);   // Summary.Value.tag
  put_varint(val, (2 << 3) | 5);  // Summary.Value.simple_value: float
  put_fixed<float>(val, value);
  std::string summary;
  put_bytes_field(summary, 1, val);  // Summary.value
  std::string ev;
  put_varint(ev, (1 << 3) | 1);
  put_fixed<double>(ev, wall_time);
  put_varint(ev, (2 << 3) | 0);  // step
  put_varint(ev, static_cast<uint64_t>(step));
  put_bytes_field(ev, 5, summary);  // Event.summary
  return ev;
}

namespace {
std::string event_with_value(double wall_time, int64_t step, const std::string& value) {
  std::string summary;
  put_bytes_field(summary, 1, value);  // Summary.value
  std::string ev;
  put_varint(ev, (1 << 3) | 1);
  put_fixed<double>(ev, wall_time);
  put_varint(ev, (2 << 3) | 0);
  put_varint(ev, static_cast<uint64_t>(step));
  put_bytes_field(ev, 5, summary);
  return ev;
}
}  // namespace

std::string encode_text_event(double wall_time, int64_t step, const std::string& tag, const std::string& text) {
  // TensorBoard's text plugin: a scalar DT_STRING tensor whose metadata names the plugin.
  std::string plugin;
  put_bytes_field(plugin, 1, "text");  // PluginData.plugin_name
  std::string metadata;
  put_bytes_field(metadata, 1, plugin);  // SummaryMetadata.plugin_data
  std::string tensor;
  put_varint(tensor, (1 << 3) | 0);  // TensorProto.dtype
  put_varint(tensor, 7);             // DT_STRING
  put_bytes_field(tensor, 2, "");    // tensor_shape: scalar
  put_bytes_field(tensor, 8, text);  // string_val
  std::string val;
  put_bytes_field(val, 1, tag);
  put_bytes_field(val, 9, metadata);  // Summary.Value.metadata
  put_bytes_field(val, 8, tensor);    // Summary.Value.tensor
  return event_with_value(wall_time, step, val);
}

std::string encode_image_event(double wall_time, int64_t step, const std::string& tag, const std::string& png) {
  // Width and height from the PNG's IHDR chunk (big-endian at bytes 16..23).
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0)
    throw Error("not a PNG image for TensorBoard tag '" + tag + "'");
  const auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<uint8_t>(png[at])) << 24) |
           (static_cast<uint32_t>(static_cast<uint8_t>(png[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<uint8_t>(png[at + 2])) << 8) | static_cast<uint8_t>(png[at + 3]);
  };
  std::string image;
  put_varint(image, (1 << 3) | 0);
  put_varint(image, be32(20));  // Image.height
  put_varint(image, (2 << 3) | 0);
  put_varint(image, be32(16));  // Image.width
  put_varint(image, (3 << 3) | 0);
  put_varint(image, 4);            // colorspace RGBA (what TensorBoard shows for PNG)
  put_bytes_field(image, 4, png);  // encoded_image_string
  std::string val;
  put_bytes_field(val, 1, tag);
  put_bytes_field(val, 4, image);  // Summary.Value.image
  return event_with_value(wall_time, step, val);
}

namespace {
/// A Summary.Value that carries only hparams plugin metadata (as TensorBoard's own
/// summary.hparams writes them): `plugin_data_content` is an encoded HParamsPluginData.
std::string hparams_value(const std::string& tag, const std::string& plugin_data_content) {
  std::string plugin;
  put_bytes_field(plugin, 1, "hparams");            // PluginData.plugin_name
  put_bytes_field(plugin, 2, plugin_data_content);  // PluginData.content
  std::string metadata;
  put_bytes_field(metadata, 1, plugin);  // SummaryMetadata.plugin_data
  std::string val;
  put_bytes_field(val, 1, tag);
  put_bytes_field(val, 9, metadata);
  return val;
}
}  // namespace

std::string encode_hparams_start_event(double wall_time, const std::vector<std::pair<std::string, Json>>& hparams) {
  std::string start;  // SessionStartInfo
  for (const auto& [name, value] : hparams) {
    std::string v;  // google.protobuf.Value
    if (value.is_boolean()) {
      put_varint(v, (4 << 3) | 0);
      put_varint(v, value.get<bool>() ? 1 : 0);
    } else if (value.is_number()) {
      put_varint(v, (2 << 3) | 1);
      put_fixed<double>(v, value.get<double>());
    } else {
      put_bytes_field(v, 3, value.is_string() ? value.get<std::string>() : value.dump());
    }
    std::string entry;  // map<string, Value> entry
    put_bytes_field(entry, 1, name);
    put_bytes_field(entry, 2, v);
    put_bytes_field(start, 1, entry);
  }
  put_varint(start, (5 << 3) | 1);
  put_fixed<double>(start, wall_time);  // start_time_secs
  std::string data;                     // HParamsPluginData
  put_varint(data, (1 << 3) | 0);
  put_varint(data, 0);              // version
  put_bytes_field(data, 3, start);  // session_start_info
  return event_with_value(wall_time, 0, hparams_value("_hparams_/session_start_info", data));
}

std::string encode_hparams_end_event(double wall_time, bool success) {
  std::string end;  // SessionEndInfo
  put_varint(end, (1 << 3) | 0);
  put_varint(end, success ? 1 : 2);  // STATUS_SUCCESS / STATUS_FAILURE
  put_varint(end, (2 << 3) | 1);
  put_fixed<double>(end, wall_time);
  std::string data;
  put_varint(data, (1 << 3) | 0);
  put_varint(data, 0);
  put_bytes_field(data, 4, end);  // session_end_info
  return event_with_value(wall_time, 0, hparams_value("_hparams_/session_end_info", data));
}

std::vector<DecodedScalar> read_scalar_events(const fs::path& file) {
  const std::string data = read_text_file(file);
  std::vector<DecodedScalar> out;
  size_t pos = 0;
  while (pos < data.size()) {
    if (pos + 12 > data.size()) throw Error("truncated record header in " + file.string());
    uint64_t len;
    std::memcpy(&len, data.data() + pos, 8);
    uint32_t len_crc;
    std::memcpy(&len_crc, data.data() + pos + 8, 4);
    if (len_crc != tfrecord_masked_crc(data.substr(pos, 8))) throw Error("bad length CRC in " + file.string());
    pos += 12;
    if (pos + len + 4 > data.size()) throw Error("truncated record in " + file.string());
    const std::string ev = data.substr(pos, len);
    uint32_t crc;
    std::memcpy(&crc, data.data() + pos + len, 4);
    if (crc != tfrecord_masked_crc(ev)) throw Error("bad data CRC in " + file.string());
    pos += len + 4;

    DecodedScalar s{0, "", 0.f};
    bool has_value = false;
    size_t p = 0;
    while (p < ev.size()) {
      const uint64_t key = get_varint(ev, p);
      const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
      if (wire == 1) {
        p += 8;
        continue;
      }
      if (wire == 0) {
        const uint64_t v = get_varint(ev, p);
        if (field == 2) s.step = static_cast<int64_t>(v);
        continue;
      }
      if (wire != 2) throw Error("unexpected wire type in " + file.string());
      const uint64_t n = get_varint(ev, p);
      const std::string sub = ev.substr(p, n);
      p += n;
      if (field != 5) continue;
      size_t q = 0;
      while (q < sub.size()) {  // Summary
        const uint64_t k2 = get_varint(sub, q);
        const uint64_t n2 = get_varint(sub, q);
        const std::string value = sub.substr(q, n2);
        q += n2;
        if ((k2 >> 3) != 1) continue;
        size_t r = 0;
        while (r < value.size()) {  // Summary.Value
          const uint64_t k3 = get_varint(value, r);
          if ((k3 & 7) == 2) {
            const uint64_t n3 = get_varint(value, r);
            if ((k3 >> 3) == 1) s.tag = value.substr(r, n3);
            r += n3;
          } else if ((k3 & 7) == 5) {
            std::memcpy(&s.value, value.data() + r, 4);
            r += 4;
            has_value = true;
          } else {
            throw Error("unexpected field in summary value of " + file.string());
          }
        }
      }
    }
    if (has_value) out.push_back(s);
  }
  return out;
}

MetricsWriter::MetricsWriter(const fs::path& tb_dir, const fs::path& csv_file) {
  fs::create_directories(tb_dir);
  char host[256] = "localhost";
  ::gethostname(host, sizeof(host) - 1);
  event_file_ = tb_dir / ("events.out.tfevents." + std::to_string(static_cast<int64_t>(now_seconds())) + "." + host);
  events_.open(event_file_, std::ios::binary | std::ios::app);
  if (!events_) throw Error("cannot create TensorBoard event file '" + event_file_.string() + "'");
  events_ << frame_record(encode_version_event(now_seconds()));
  const bool new_csv = !fs::exists(csv_file);
  csv_.open(csv_file, std::ios::app);
  if (!csv_) throw Error("cannot create metrics file '" + csv_file.string() + "'");
  if (new_csv) csv_ << "wall_time,step,tag,value\n";
  // metrics_text.log beside metrics.csv (metrics.rank1_text.log beside metrics.rank1.csv)
  const std::string stem = csv_file.stem().string();
  text_.open(csv_file.parent_path() / (stem == "metrics" ? "metrics_text.log" : stem + "_text.log"), std::ios::app);
  events_.flush();
  flusher_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!closing_) {
      wake_.wait_for(lock, std::chrono::seconds(kFlushSeconds), [this] { return closing_; });
      events_.flush();
      csv_.flush();
      text_.flush();
    }
  });
}

MetricsWriter::~MetricsWriter() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  flush();
}

void MetricsWriter::scalar(const std::string& tag, double value, int64_t step) {
  std::lock_guard lock(mutex_);
  const double t = now_seconds();
  events_ << frame_record(encode_scalar_event(t, step, tag, static_cast<float>(value)));
  csv_ << std::fixed << std::setprecision(3) << t << "," << step << "," << tag << "," << std::setprecision(8)
       << std::defaultfloat << value << "\n";
}

void MetricsWriter::text(const std::string& tag, const std::string& value, int64_t step) {
  std::lock_guard lock(mutex_);
  text_ << "[" << tag << " @ " << step << "]\n" << value << "\n";
  events_ << frame_record(encode_text_event(now_seconds(), step, tag, value));
}

void MetricsWriter::hparams_start(const Json& config) {
  // The config's leaves as dotted names (search.epochs = 50); lists as their JSON text.
  std::vector<std::pair<std::string, Json>> flat;
  std::vector<std::pair<std::string, const Json*>> todo{{"", &config}};
  while (!todo.empty()) {
    auto [prefix, node] = todo.back();
    todo.pop_back();
    if (node->is_object()) {
      for (const auto& [k, v] : node->items()) todo.emplace_back(prefix.empty() ? k : prefix + "." + k, &v);
    } else if (!prefix.empty() && !node->is_null()) {
      flat.emplace_back(prefix, *node);
    }
  }
  std::sort(flat.begin(), flat.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::lock_guard lock(mutex_);
  events_ << frame_record(encode_hparams_start_event(now_seconds(), flat));
}

void MetricsWriter::hparams_end(bool success) {
  std::lock_guard lock(mutex_);
  events_ << frame_record(encode_hparams_end_event(now_seconds(), success));
  events_.flush();
}

void MetricsWriter::image(const std::string& tag, const fs::path& png_file, int64_t step) {
  const std::string png = read_text_file(png_file);
  std::lock_guard lock(mutex_);
  events_ << frame_record(encode_image_event(now_seconds(), step, tag, png));
}

void MetricsWriter::flush() {
  std::lock_guard lock(mutex_);
  events_.flush();
  csv_.flush();
  text_.flush();
}

}  // namespace nas::host
