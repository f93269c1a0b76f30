#pragma once
// What the host hands every component: logging, device, seed, the run directory,
// metrics, progress bars, a stop flag and look-ups of other components by name.
//
// Plugins never reach into the host; everything they need arrives through this
// interface. Tests and benchmarks use StandaloneContext (see standalone_context.hpp).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <c10/core/Device.h>
#include <spdlog/logger.h>

#include "nashost/config.hpp"
#include "nashost/export.hpp"

namespace nas {

class OperationSet;
class Dataset;

/// Receives scalars and text per step; the host writes TensorBoard event files and a CSV twin.
class NASHOST_SDK_API MetricsSink {
 public:
  virtual ~MetricsSink();
  virtual void scalar(const std::string& tag, double value, int64_t step) = 0;
  virtual void text(const std::string& tag, const std::string& value, int64_t step) = 0;
  virtual void flush() {}
};

/// One progress bar; finish() (or destruction) ends its line.
class NASHOST_SDK_API Progress {
 public:
  virtual ~Progress();
  virtual void advance(int64_t steps = 1) = 0;
  /// Short status shown after the bar, e.g. "loss 0.412 acc 0.871".
  virtual void set_status(const std::string& status) = 0;
  virtual void finish() = 0;
};

class NASHOST_SDK_API HostContext {
 public:
  virtual ~HostContext();
  /// A logger named after the component ("darts", "fashion-mnist", ...).
  virtual std::shared_ptr<spdlog::logger> logger(const std::string& component) = 0;
  virtual c10::Device device() const = 0;
  virtual uint64_t seed() const = 0;
  /// Root of this run's directory (runs/<name>-<time>/); create sub-folders as needed.
  virtual std::filesystem::path run_dir() const = 0;
  virtual MetricsSink& metrics() = 0;
  virtual std::unique_ptr<Progress> progress(const std::string& label, int64_t total) = 0;
  /// True after Ctrl-C: finish the current step, checkpoint and return.
  virtual bool stop_requested() const = 0;
  /// Another component by name (e.g. the operation set a strategy was configured with).
  virtual std::shared_ptr<const OperationSet> operation_set(const std::string& name) = 0;
};

}  // namespace nas
