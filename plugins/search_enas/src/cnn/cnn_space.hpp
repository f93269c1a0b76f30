#pragma once
// One search space of the ENAS CNN search (strategies enas-cnn and enas-cnn-macro): its
// controller, its shared child network and how its architectures are written. The search
// loop (cnn_search.*) is the same for every space and sees an architecture only as the
// authors' flat integer sequence:
//   micro: normal-cell seq then reduction-cell seq (4 ints per node each, micro/micro_arc.hpp);
//   macro: per layer the op id then its skip bits (macro/macro_arc.hpp).
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "nashost/config.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/genotype.hpp"

namespace nas::enas {

using ArcSeq = std::vector<int>;

struct SpaceSample {
  std::vector<ArcSeq> arcs;
  at::Tensor log_probs, entropies;  ///< [B, D]
  at::Tensor penalty;               ///< [B], weighted, added to the controller loss (zeros when the space has none)
};

class CnnSearchSpace {
 public:
  virtual ~CnnSearchSpace() = default;
  virtual const char* name() const = 0;  ///< "micro" | "macro"
  virtual torch::nn::Module& shared() = 0;
  virtual torch::nn::Module& controller() = 0;
  virtual int64_t num_decisions() const = 0;
  /// Gradients flow into log_probs, entropies and penalty unless a NoGradGuard is active.
  virtual SpaceSample sample(int64_t batch) = 0;
  virtual at::Tensor forward(const at::Tensor& x, const ArcSeq& arc, bool dropout) = 0;
  /// Auxiliary-head logits of the last forward in training mode; undefined when the
  /// shared network has no auxiliary head (micro always; macro unless auxiliary = true).
  virtual at::Tensor aux_logits() const = 0;
  /// Reported size of the shared network: its auxiliary head excluded, as in every
  /// reported size (state_summary's shared_params, the results table).
  virtual int64_t shared_parameters() const = 0;
  virtual Genotype genotype(const ArcSeq& arc) const = 0;
  /// One line for logs and the per-epoch page.
  virtual std::string summary(const ArcSeq& arc) const = 0;
  /// Graphviz DOT pictures of an architecture, each with a file-name suffix
  /// (micro: "normal" and "reduce" cells; macro: "network").
  virtual std::vector<std::pair<std::string, std::string>> pictures(const ArcSeq& arc,
                                                                    const std::string& caption) const = 0;
  /// The shared-model file enas-cnn-eval loads (written atomically).
  virtual void save_shared(const std::filesystem::path& file) = 0;
  /// What the search log says about the space at the start.
  virtual std::string describe() const = 0;
};

/// The valid values of the cnn_space option.
const std::vector<std::string>& cnn_space_names();

/// The space named by `options` (resolved search options) for `info`'s images; `random`:
/// the controller draws every decision uniformly. ConfigError for an unknown space name
/// (listing the valid ones) or a dataset that is not image classification.
std::unique_ptr<CnnSearchSpace> make_cnn_space(const Config& options, const DatasetInfo& info, HostContext& ctx,
                                               bool random);

}  // namespace nas::enas
