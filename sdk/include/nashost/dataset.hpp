#pragma once
// The dataset interface.
//
// A dataset decodes its files once into memory and hands out batch loaders per split.
// Loaders are deterministic: the order and augmentation of epoch e depend only on
// (seed, e), whatever the number of worker threads, so a resumed run sees the same
// batches as an uninterrupted one.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "nashost/export.hpp"

namespace nas {

class Config;

enum class Task { Classification, Regression, LanguageModel };
NASHOST_SDK_API const char* task_name(Task task);

/// Train and Valid are disjoint parts of the official training set (split by the
/// dataset's `valid_fraction` option, seeded); TrainFull is the whole training set;
/// Test is the official test set.
enum class Split { Train, Valid, Test, TrainFull };
NASHOST_SDK_API const char* split_name(Split split);
/// Parses "train", "valid", "test", "train_full"; throws ConfigError otherwise.
NASHOST_SDK_API Split parse_split(const std::string& name);

struct DatasetInfo {
  std::string name;  ///< registry name, e.g. "fashion-mnist"
  Task task = Task::Classification;
  std::vector<int64_t> input_shape;  ///< C,H,W for images; empty for language models
  int64_t num_outputs = 0;           ///< classes, 1 for scalar regression, vocabulary size for LMs
  bool synthetic = false;            ///< generated data: hosts and scripts say so loudly
  std::string source;                ///< where the data came from (directory or "synthetic")
  std::vector<std::string> class_names;
};

struct Batch {
  at::Tensor input;   ///< N,C,H,W float (images) or T,N int64 (language models)
  at::Tensor target;  ///< N int64 (classes), N,1 float (regression), T,N int64 (LM)
};

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool augment = false;  ///< the dataset's training augmentation (crop/flip/affine)
  int64_t cutout = 0;    ///< cutout square side in pixels, 0 = off
  bool drop_last = false;
  uint64_t seed = 0;
  c10::Device device = c10::Device(c10::kCPU);
  int64_t workers = 1;  ///< background threads assembling batches ahead of the step
  int64_t bptt = 35;    ///< language models: sequence length of one batch

  /// Training settings from a component's options: batch_size, augment, workers and, where
  /// the component has the option, cutout; shuffled, seeded with `seed`, batches on `device`.
  NASHOST_SDK_API static LoaderOptions for_training(const Config& options, uint64_t seed, c10::Device device);

  /// These settings for evaluation: in order, without augmentation or cutout.
  LoaderOptions for_evaluation() const {
    LoaderOptions e = *this;
    e.shuffle = false;
    e.augment = false;
    e.cutout = 0;
    return e;
  }
};

/// Iterates one split, epoch after epoch. Owned by its caller; it may share the dataset's
/// memory, so the dataset must outlive it.
class NASHOST_SDK_API BatchLoader {
 public:
  virtual ~BatchLoader();
  virtual int64_t batches_per_epoch() const = 0;
  /// Starts epoch `epoch` (order and augmentation seeded by seed and epoch).
  virtual void start_epoch(int64_t epoch) = 0;
  /// The next batch, already on the loader's device; nullopt at the end of the epoch.
  virtual std::optional<Batch> next() = 0;
};

/// A dataset in memory. Made by its factory (which throws DataMissingError when the files
/// are absent, naming where it looked, and DataError when they are damaged, naming the file;
/// never falls back silently); shared by the script and every component it is handed to.
class NASHOST_SDK_API Dataset {
 public:
  virtual ~Dataset();
  virtual const DatasetInfo& info() const = 0;
  /// Number of examples (tokens for language models) in a split.
  virtual int64_t size(Split split) const = 0;
  /// A new loader of `split`; several may be in use at once (one per split, per component).
  /// ConfigError for options the dataset cannot honour (e.g. bptt for images).
  virtual std::unique_ptr<BatchLoader> loader(Split split, const LoaderOptions& options) = 0;
  /// Language models: a whole split as a 1-D int64 tensor of token ids.
  virtual at::Tensor tokens(Split split) const;
  /// Language models: id → word.
  virtual std::vector<std::string> vocabulary() const;
};

}  // namespace nas
