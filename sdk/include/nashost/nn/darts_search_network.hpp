#pragma once
// The DARTS search supernet (docs/methods.md, DARTS), shared by DARTS and DARTS-CC.
//
// Every edge of a cell is a mixed op over all candidate ops of an OperationSet. The
// network holds no architecture parameters: callers pass the op *weights* of each edge
// (DARTS: softmax(alpha); DARTS-CC: Gumbel-softmax samples), either shared by the batch
// ([E, O]) or per example ([N, E, O]). E = edges per cell in the order
// node0: s0, s1; node1: s0, s1, n0; node2: s0, s1, n0, n1; ... (14 for 4 nodes);
// O = number of ops, in the OperationSet's order.
//
// Layout: stem Conv3×3(in → stem_multiplier·C) + BN(affine); `layers` cells, reductions
// (doubling C) at floor(L/3) and floor(2L/3); cell preprocessing and every op BN
// affine=False; global average pool → Linear(feature_dim → num_outputs).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "nashost/export.hpp"
#include "nashost/nn/layout.hpp"
#include "nashost/operation_set.hpp"

namespace nas::nn {

struct SearchNetworkOptions {
  int64_t in_channels = 3;
  int64_t num_outputs = 10;
  int64_t channels = 16;
  int64_t layers = 8;
  int64_t nodes = 4;
  int64_t stem_multiplier = 3;
  /// Run the edges of a cell that read the same states as grouped kernels (same result;
  /// fewer, larger kernels: see sdk/src/nn/edge_batch.hpp). Off = one edge at a time.
  bool batch_edges = true;
  /// Layout of the batched supernet and the discrete forward (Auto: channels-last on the
  /// CPU, where oneDNN's depthwise convolutions and the pooling kernels are several times
  /// faster; same result up to rounding; nashost/nn/layout.hpp). The edge-by-edge
  /// search forward (batch_edges off) always runs as its input comes.
  Layout layout = Layout::Auto;
  /// Partial channel connections (PC-DARTS): every edge's candidate ops are built for C/K
  /// channels, so that a strategy can run them on 1/K of an edge's input through
  /// forward_edges() (which alone is valid when K > 1; forward() and forward_discrete()
  /// refuse). C must be divisible by K at every cell width. 1 = whole edges (DARTS).
  int64_t partial_channels = 1;
};

struct CellShape {
  bool reduction;
  int64_t channels;  ///< working width C of the cell (output has nodes·C channels)
};

/// Indices of the reduction cells for `layers` cells: floor(L/3) and floor(2L/3).
NASHOST_SDK_API std::vector<int64_t> reduction_cells(int64_t layers);
/// The cell after which the auxiliary head reads (pt.darts: floor(2L/3), the second reduction).
NASHOST_SDK_API int64_t auxiliary_head_cell(int64_t layers);
/// Number of edges of a cell with `nodes` intermediate nodes: 2 + 3 + ... + (nodes+1).
NASHOST_SDK_API int64_t cell_edge_count(int64_t nodes);

/// One mixed edge: Σ_o w_o · o(x) over all ops of the set (the zero op is skipped: it
/// contributes exactly nothing).
class NASHOST_SDK_API MixedOpImpl : public torch::nn::Module {
 public:
  MixedOpImpl(const OperationSet& ops, int64_t channels, int64_t stride);
  /// w: [O] or [N, O].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& w);
  /// Runs op `index` alone (weight 1). The zero op returns zeros of the right shape.
  at::Tensor forward_single(const at::Tensor& x, int64_t index);
  int64_t num_ops() const { return static_cast<int64_t>(ops_.size()); }
  const std::vector<std::shared_ptr<Op>>& ops() const { return ops_; }

 private:
  std::vector<std::shared_ptr<Op>> ops_;
};
TORCH_MODULE(MixedOp);

class EdgeBatch;

class NASHOST_SDK_API SearchCellImpl : public torch::nn::Module {
 public:
  /// partial_channels K: the edges' ops are built for c / K channels (SearchNetworkOptions).
  SearchCellImpl(const OperationSet& ops, int64_t nodes, int64_t c_pp, int64_t c_p, int64_t c, bool reduction,
                 bool reduction_prev, bool batch_edges = true, int64_t partial_channels = 1);
  /// w: [E, O] or [N, E, O]. nhwc: run the edge batches and keep states and their gradients
  /// dense channels-last (SearchNetworkOptions::layout; ignored edge by edge).
  at::Tensor forward(const at::Tensor& s0, const at::Tensor& s1, const at::Tensor& w, bool nhwc = false);
  /// One op index per edge; nhwc as above. In training, drop_prob > 0 applies drop path
  /// to the output of every edge whose op is neither the identity nor the zero op.
  at::Tensor forward_discrete(const at::Tensor& s0, const at::Tensor& s1, const std::vector<int64_t>& ops,
                              bool nhwc = false, double drop_prob = 0.0);
  /// Every edge computed by `edge(edge_index, mixed_op, input)`; a node is the sum of its
  /// incoming edges. Edge by edge; nhwc as above.
  at::Tensor forward_edges(const at::Tensor& s0, const at::Tensor& s1,
                           const std::function<at::Tensor(int64_t, MixedOpImpl&, const at::Tensor&)>& edge,
                           bool nhwc = false);
  bool reduction() const { return reduction_; }
  void set_batch_edges(bool on) { batch_edges_ = on; }
  bool batch_edges() const { return batch_edges_; }

 private:
  /// One batch of edges sharing a source: batch 0 = all edges from s0 and s1 (in edge
  /// order, so the two edges of a node are adjacent), batch b ≥ 1 = the edges from node b−1.
  struct Batch {
    std::vector<int64_t> edges, inputs, targets;  ///< per edge: edge index, input state, node
    std::shared_ptr<EdgeBatch> run;
  };
  at::Tensor forward_batched(const at::Tensor& s0, const at::Tensor& s1, const at::Tensor& w, bool nhwc);
  /// Edge by edge; nhwc: keep states and gradients dense channels-last (nashost/nn/layout.hpp).
  at::Tensor run(const at::Tensor& s0, const at::Tensor& s1,
                 const std::function<at::Tensor(int64_t, const at::Tensor&)>& edge, bool nhwc);
  int64_t nodes_;
  bool reduction_;
  std::shared_ptr<Op> pre0_, pre1_;
  std::vector<MixedOp> edges_;
  bool batch_edges_ = true;
  std::vector<Batch> batches_;
  /// All batches' edges in batch order, on the weights' device (cached): one index_select
  /// per forward puts every batch's weight rows together, one split hands them out.
  at::Tensor batch_order_;
  std::vector<int64_t> batch_sizes_;
};
TORCH_MODULE(SearchCell);

class NASHOST_SDK_API DartsSearchNetworkImpl : public torch::nn::Module {
 public:
  DartsSearchNetworkImpl(const SearchNetworkOptions& options, std::shared_ptr<const OperationSet> ops);

  /// Globally pooled features [N, feature_dim].
  at::Tensor features(const at::Tensor& x, const at::Tensor& w_normal, const at::Tensor& w_reduce);
  /// features → the network's own Linear classifier.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& w_normal, const at::Tensor& w_reduce);
  /// Called with each cell's index and output, in order (e.g. to feed an auxiliary head).
  using CellTap = std::function<void(int64_t cell, const at::Tensor& output)>;
  /// One op index per edge (size E each); only those ops run; the zero op contributes zero.
  /// drop_prob: drop path after each selected op in training (DARTS-CC fine-tuning, as the
  /// evaluation network: not after the identity, and the zero op has nothing to drop).
  at::Tensor forward_discrete(const at::Tensor& x, const std::vector<int64_t>& ops_normal,
                              const std::vector<int64_t>& ops_reduce, double drop_prob = 0.0,
                              const CellTap& after_cell = {});

  /// What one edge computes in forward_edges(): `cell` (its index) and `reduction` say which
  /// cell, `edge` which edge of it (the order above), `op` is the edge's mixed op (run one of
  /// its candidates with op.forward_single(x, index)) and `x` the edge's input state.
  using EdgeForward =
      std::function<at::Tensor(int64_t cell, bool reduction, int64_t edge, MixedOpImpl& op, const at::Tensor& x)>;
  /// The network with a strategy's own rule for every edge, e.g. GDAS's one sampled op times
  /// its straight-through weight, or a partial-channel edge: stem, cells (node = sum of its
  /// incoming edges, cell output = concat of the nodes) and classifier as in forward().
  at::Tensor forward_edges(const at::Tensor& x, const EdgeForward& edge);

  /// Switches the grouped edge kernels on or off (results agree; see SearchNetworkOptions).
  void set_batch_edges(bool on);
  void set_layout(Layout layout) { options_.layout = layout; }
  int64_t feature_dim() const { return feature_dim_; }
  int64_t num_edges() const { return num_edges_; }
  int64_t num_ops() const { return static_cast<int64_t>(ops_->ops().size()); }
  const std::vector<CellShape>& cells() const { return shapes_; }
  const SearchNetworkOptions& options() const { return options_; }
  const OperationSet& operation_set() const { return *ops_; }
  torch::nn::Linear classifier() { return classifier_; }

 private:
  void require_whole_edges(const char* what) const;
  at::Tensor run_cells(const at::Tensor& x,
                       const std::function<at::Tensor(SearchCell&, const at::Tensor&, const at::Tensor&)>& cell);
  SearchNetworkOptions options_;
  std::shared_ptr<const OperationSet> ops_;
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  std::vector<SearchCell> cells_;
  std::vector<CellShape> shapes_;
  torch::nn::Linear classifier_{nullptr};
  int64_t feature_dim_ = 0;
  int64_t num_edges_ = 0;
};
TORCH_MODULE(DartsSearchNetwork);

}  // namespace nas::nn
