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
class Trainer;

/// Receives scalars and text per step; the host writes TensorBoard event files and a CSV
/// twin (flushed every few seconds and at every epoch, so a live TensorBoard follows).
/// Tags are "component-or-label/name", e.g. "search/train_loss". Never throws for a value
/// (NaN is written as NaN); a failed write is reported by the host, not to the component.
class NASHOST_SDK_API MetricsSink {
 public:
  virtual ~MetricsSink();
  virtual void scalar(const std::string& tag, double value, int64_t step) = 0;
  virtual void text(const std::string& tag, const std::string& value, int64_t step) = 0;
  /// Writes what is buffered now (components call it after an epoch's metrics).
  virtual void flush() {}
};

/// One progress bar; finish() (or destruction) ends its line. Use one per epoch: the host
/// prints its per-epoch status line (elapsed time, the script's ETA) when a training
/// epoch's bar finishes; a bar destroyed by an exception counts as not finished.
class NASHOST_SDK_API Progress {
 public:
  virtual ~Progress();
  virtual void advance(int64_t steps = 1) = 0;
  /// Short status shown after the bar, e.g. "loss 0.412 acc 0.871".
  virtual void set_status(const std::string& status) = 0;
  virtual void finish() = 0;
};

/// The run, as a component sees it. Owned by the host; it outlives every component of the
/// run, so components may keep a reference. Its methods are safe to call from the thread
/// that runs the component (the Lua script's thread); loggers and metrics also from worker
/// threads.
class NASHOST_SDK_API HostContext {
 public:
  virtual ~HostContext();
  /// A logger named after the component ("darts", "fashion-mnist", ...): to the console
  /// and log.txt, line by line.
  virtual std::shared_ptr<spdlog::logger> logger(const std::string& component) = 0;
  /// Where tensors go: the run's --device (on a run of several ranks, this rank's GPU).
  virtual c10::Device device() const = 0;
  /// The seed for everything random the component does (nas.seed changes it between
  /// components; a component reads it when it is made, trainers at every training).
  virtual uint64_t seed() const = 0;
  /// Root of this run's directory (runs/<name>-<time>/); create sub-folders as needed and
  /// write files atomically (nashost/io.hpp), as a run may be killed at any moment.
  virtual std::filesystem::path run_dir() const = 0;
  virtual MetricsSink& metrics() = 0;
  /// A progress bar of `total` steps (drawn only when the run shows progress bars).
  virtual std::unique_ptr<Progress> progress(const std::string& label, int64_t total) = 0;
  /// True after Ctrl-C or SIGTERM: stop at the next step boundary and throw nas::Interrupted
  /// without checkpointing the cut epoch (the host keeps the last complete one).
  virtual bool stop_requested() const = 0;
  /// An operation set by name, made once per run and shared; ConfigError with near names
  /// if no plugin registers it.
  virtual std::shared_ptr<const OperationSet> operation_set(const std::string& name) = 0;
  /// A new trainer by name, its options validated as nas.trainer validates them: for
  /// multi-trial strategies, which train each candidate (regularised evolution's children).
  /// ConfigError with near names if no plugin registers it, or for a bad option.
  virtual std::shared_ptr<Trainer> trainer(const std::string& name, const Json& options) = 0;
};

}  // namespace nas
