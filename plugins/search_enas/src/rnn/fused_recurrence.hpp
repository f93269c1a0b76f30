#pragma once
// The shared RNN's recurrence over a whole sequence as one autograd node, for DAGs whose
// activations are the four stock ones (enas-rnn: tanh, ReLU, identity, sigmoid).
//
// Left to autograd, one node of one timestep costs ~46 ATen ops forward + backward (a weight
// transpose, a split into gate and candidate with its narrows and its backward's cat, the
// lerp's backward of ten ops, gradient accumulation): 35 timesteps × 12 nodes make an ENAS
// step of 20k ops, which a GPU runs at the speed of kernel launches. Here:
//  - siblings (the children of one parent) share one GEMM: their weights are concatenated
//    once per sequence, [2H·k, H], and each timestep multiplies the parent's state once;
//  - gate and candidate are activated in place in that GEMM's output, through strided
//    views (one op each, where a split costs seven);
//  - the backward is written out: per node six elementwise kernels on the views the forward
//    kept (no view is made twice), per parent and timestep one cat of its children's gate |
//    candidate gradients and one addmm for its state gradient, and every weight's gradient
//    as one GEMM over all timesteps.
// Same function as the per-op path (SharedRnnImpl's general path, kept for other
// activations); float64 tests hold the two equal to rounding, values and gradients.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "rnn/rnn_dag.hpp"

namespace nas::enas {

enum class StockActivation { Tanh, Relu, Identity, Sigmoid };

/// The stock activation called `name`, if there is one by that name.
std::optional<StockActivation> stock_activation(const std::string& name);

/// Applies `a` to `x` in place (what the fused forward does to each candidate block).
void activate_(const at::Tensor& x, StockActivation a);

/// A DAG resolved for the fused recurrence.
struct RecurrencePlan {
  struct Group {
    int parent = 0;
    std::vector<int> children;  ///< ascending; child i's rows in the group weight start at 2H·i
  };
  int num_nodes = 0;
  std::vector<int> parent;                  ///< per node; -1 for node 0 and removed nodes
  std::vector<StockActivation> activation;  ///< per node (removed: unused)
  std::vector<bool> live;
  std::vector<int> leaves;    ///< their mean is the output
  std::vector<Group> groups;  ///< parents ascending
  std::vector<int> group_of;  ///< per live node ≥ 1: its group
  std::vector<int> index_in_group;

  /// `activations[i]` is the stock activation of the op set's i-th name, or nullopt when that
  /// op is not a stock one; nullopt if the DAG uses such an op (the general path runs it).
  static std::optional<RecurrencePlan> make(const Dag& dag, const std::vector<std::string>& names,
                                            const std::vector<std::optional<StockActivation>>& activations);
};

struct RecurrenceResult {
  at::Tensor leaf_mean;    ///< [B, T, H]: per timestep the mean of the leaf states
  at::Tensor next_hidden;  ///< [B, H]: the last node's state after the last timestep, clamped
};

/// x_proj [T, B, 2H] (the input's gate | candidate projections, bias included), h0 [B, H],
/// w_rec [2H, H], `edge_weights` the live nodes ≥ 1's weights [2H, H] in node order.
/// Differentiable in all of them (first derivatives); without grad mode, no tape is kept.
RecurrenceResult fused_recurrence(const RecurrencePlan& plan, const at::Tensor& x_proj, const at::Tensor& h0,
                                  const at::Tensor& w_rec, const std::vector<at::Tensor>& edge_weights,
                                  double max_hidden_norm);

}  // namespace nas::enas
