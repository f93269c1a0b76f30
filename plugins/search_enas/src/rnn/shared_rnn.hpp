#pragma once
// The ENAS shared recurrent model (carpedm20 models/shared_rnn.py): one weight matrix pair
// per ordered node pair (i < j), so any DAG the controller samples is a sub-graph of it.
//
// One timestep, x = embedded token, h = previous hidden:
//   node 0:            c0 = sigm(W_xc x + W_hc h),  h0 = c0 * f0(W_xh x + W_hh h) + (1 - c0) * h
//   node j, parent i:  cj = sigm(W^c_ij h_i),       hj = cj * fj(W^h_ij h_i) + (1 - cj) * h_i
//   output = BatchNorm(mean of the leaves); next hidden = the last node, rows clamped to
//   norm <= max_hidden_norm (constant factor, no gradient through it).
// The c and h matrices of each pair are stored stacked ([2H, H], gate rows first) so one
// matmul serves both; they are still independent parameters element by element.
// Regularisation: embedding (row) dropout, locked dropout on the input embedding and the
// outputs, DropConnect on W_hc/W_hh; all only in training mode.
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>

#include "rnn/fused_recurrence.hpp"
#include "rnn/rnn_dag.hpp"
#include "nashost/config.hpp"
#include "nashost/nn/recurrent_weight.hpp"
#include "nashost/operation_set.hpp"

namespace nas::enas {

struct SharedRnnConfig {
  int64_t vocab = 10000;
  int64_t embed = 1000;
  int64_t hidden = 1000;
  int num_blocks = 12;
  bool tie_weights = true;
  double dropoute = 0.1;
  double dropouti = 0.65;
  double dropout = 0.4;
  double wdrop = 0.5;
  double init_range = 0.025;
  double max_hidden_norm = 25.0;

  Json to_json() const;
  static SharedRnnConfig from_json(const Json& j);
};

using Edge = std::pair<int, int>;  ///< (parent, child)
/// The (parent, child) pairs a DAG uses (node 0's input weights are always present).
std::vector<Edge> dag_edges(const Dag& dag);

class SharedRnnImpl : public torch::nn::Module {
 public:
  /// All pairs i<j, or only `edges` (a model for one fixed DAG, e.g. scratch training).
  SharedRnnImpl(SharedRnnConfig config, const OperationSet& ops, std::optional<std::vector<Edge>> edges = {});

  struct Output {
    at::Tensor logits;  ///< [T*B, vocab]
    at::Tensor hidden;  ///< [B, H], next hidden state (not detached)
  };
  /// input [T, B] int64; hidden [B, H]. Throws nas::Error if the DAG does not fit the model.
  Output forward(const at::Tensor& input, const at::Tensor& hidden, const Dag& dag);
  at::Tensor init_hidden(int64_t batch) const;
  const SharedRnnConfig& config() const { return config_; }
  /// Parameters that `dag` actually uses (what a model of that DAG alone would hold).
  int64_t dag_param_count(const Dag& dag) const;
  /// The edge weight (gate rows first) of parent -> child; throws if the model lacks it.
  at::Tensor& edge_weight(int parent, int child);
  /// Re-draws every weight (uniform +-init_range, decoder bias 0) and resets BatchNorm.
  void reset_parameters();
  /// Off: every DAG runs through the general per-op path (benchmarks and tests compare the two).
  void set_fused_recurrence(bool on) { fused_ = on; }

 private:
  /// The per-op recurrence (any activation op): autograd records every op of every timestep.
  RecurrenceResult general_recurrence(const at::Tensor& x_proj, const at::Tensor& hidden, const at::Tensor& w_rec,
                                      const Dag& dag);
  /// One timestep: (mean of the leaf states = the output, the last node = the next hidden).
  std::pair<at::Tensor, at::Tensor> cell_step(const at::Tensor& x_proj, const at::Tensor& h_rec,
                                              const at::Tensor& h_prev, const Dag& dag,
                                              const std::vector<int>& leaf_ids, const std::vector<Op*>& node_ops,
                                              const std::vector<std::optional<nn::RecurrentWeight>>& node_weights);

  SharedRnnConfig config_;
  std::vector<std::shared_ptr<Op>> activations_;
  std::vector<std::string> activation_names_;
  std::vector<std::optional<StockActivation>> stock_activations_;  ///< per op: what the fused path runs
  bool fused_ = true;
  at::Tensor encoder_, w_x_, b_x_, w_rec_, decoder_bias_, decoder_;
  std::map<Edge, at::Tensor> edges_;
  torch::nn::BatchNorm1d bn_{nullptr};
};
TORCH_MODULE(SharedRnn);

}  // namespace nas::enas
