#pragma once
// Writes scalars, texts (genotypes) and images (plots, cell pictures) as TensorBoard event
// files (TFRecord framing of Event protocol buffers, encoded by hand: only the few fields
// those summaries need) plus a CSV twin of the scalars.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include "nashost/context.hpp"

namespace nas::host {

/// Masked CRC-32C as TFRecord uses it.
uint32_t tfrecord_masked_crc(const std::string& bytes);

/// Encodes one Event with a single scalar summary value.
std::string encode_scalar_event(double wall_time, int64_t step, const std::string& tag, float value);
/// Encodes one Event with a text summary (TensorBoard's TEXT tab).
std::string encode_text_event(double wall_time, int64_t step, const std::string& tag, const std::string& text);
/// Encodes one Event with a PNG image summary (TensorBoard's IMAGES tab).
std::string encode_image_event(double wall_time, int64_t step, const std::string& tag, const std::string& png);
/// Encodes the hparams plugin's session start (the run's options, shown as columns of
/// TensorBoard's HPARAMS tab next to the run's last scalar values) and session end.
std::string encode_hparams_start_event(double wall_time, const std::vector<std::pair<std::string, Json>>& hparams);
std::string encode_hparams_end_event(double wall_time, bool success);
/// Encodes the leading file_version Event.
std::string encode_version_event(double wall_time);
/// Frames one record: length, masked CRC of length, data, masked CRC of data.
std::string frame_record(const std::string& data);

struct DecodedScalar {
  int64_t step;
  std::string tag;
  float value;
};
/// Reads back an event file written by EventFileWriter (checks every CRC); for tests and tools.
std::vector<DecodedScalar> read_scalar_events(const std::filesystem::path& file);

class MetricsWriter final : public MetricsSink {
 public:
  /// Creates `dir`/events.out.tfevents.<time>.nashost and `dir`/../metrics.csv.
  MetricsWriter(const std::filesystem::path& tb_dir, const std::filesystem::path& csv_file);
  ~MetricsWriter() override;
  void scalar(const std::string& tag, double value, int64_t step) override;
  void text(const std::string& tag, const std::string& value, int64_t step) override;
  void flush() override;
  /// The run's options (a config tree, flattened to dotted names) as an hparams session;
  /// hparams_end closes it with the run's outcome.
  void hparams_start(const Json& config);
  void hparams_end(bool success);
  /// Adds the PNG `png_file` as an image summary (plots, genotype pictures).
  void image(const std::string& tag, const std::filesystem::path& png_file, int64_t step);
  const std::filesystem::path& event_file() const { return event_file_; }

 private:
  std::mutex mutex_;
  // A background thread flushes every kFlushSeconds, so a live TensorBoard (or `tail -f
  // metrics.csv`) follows a long run and a kill -9 loses at most those seconds.
  static constexpr int kFlushSeconds = 2;
  std::condition_variable wake_;
  bool closing_ = false;
  std::thread flusher_;
  std::filesystem::path event_file_;
  std::ofstream events_;
  std::ofstream csv_;
  std::ofstream text_;
};

}  // namespace nas::host
