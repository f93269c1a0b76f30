#include "nashost/nn/darts_search_network.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/drop_path.hpp"
#include "edge_batch.hpp"
#include "nashost/nn/layout.hpp"
#include "nashost/nn/limits.hpp"
#include "nashost/nn/precision.hpp"

namespace nas::nn {

std::vector<int64_t> reduction_cells(int64_t layers) { return {layers / 3, 2 * layers / 3}; }
int64_t auxiliary_head_cell(int64_t layers) { return reduction_cells(layers)[1]; }

int64_t cell_edge_count(int64_t nodes) {
  int64_t e = 0;
  for (int64_t i = 0; i < nodes; ++i) e += 2 + i;
  return e;
}

MixedOpImpl::MixedOpImpl(const OperationSet& set, int64_t channels, int64_t stride) {
  OpArgs args;
  args.channels = channels;
  args.stride = stride;
  args.affine = false;  // search network: BN without affine parameters (as the DARTS paper)
  args.search = true;
  const auto& names = set.ops();
  for (size_t i = 0; i < names.size(); ++i) ops_.push_back(register_module(names[i], set.make(names[i], args)));
}

at::Tensor MixedOpImpl::forward(const at::Tensor& x, const at::Tensor& w) {
  at::Tensor out;
  const bool per_example = w.dim() == 2;
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (ops_[i]->is_zero()) continue;  // 0·w contributes nothing (and nothing to any gradient)
    at::Tensor wi = w.select(-1, static_cast<int64_t>(i));
    if (per_example) wi = wi.view({-1, 1, 1, 1});
    // out + y·w as the edge batches compute it (nn/edge_batch.cpp says why not addcmul).
    const at::Tensor y = ops_[i]->forward(x);
    out = out.defined() ? out + y * wi : y * wi;
  }
  if (!out.defined()) return forward_single(x, 0);  // a set of only zero ops
  return out;
}

at::Tensor MixedOpImpl::forward_single(const at::Tensor& x, int64_t index) {
  if (index < 0 || index >= num_ops())
    throw Error("op index " + std::to_string(index) + " out of range 0.." + std::to_string(num_ops() - 1));
  return ops_[static_cast<size_t>(index)]->forward(x);
}

SearchCellImpl::SearchCellImpl(const OperationSet& set, int64_t nodes, int64_t c_pp, int64_t c_p, int64_t c,
                               bool reduction, bool reduction_prev, bool batch_edges, int64_t partial_channels)
    : nodes_(nodes), reduction_(reduction), batch_edges_(batch_edges) {
  if (partial_channels < 1 || c % partial_channels != 0)
    throw ConfigError("search cell: " + std::to_string(c) + " channels cannot be split into " +
                      std::to_string(partial_channels) + " equal parts (partial channel connections)");
  if (reduction_prev)
    pre0_ = register_module("preprocess0", std::make_shared<FactorizedReduce>(c_pp, c, false));
  else
    pre0_ = register_module("preprocess0", std::make_shared<ReLUConvBN>(c_pp, c, 1, 1, 0, false));
  pre1_ = register_module("preprocess1", std::make_shared<ReLUConvBN>(c_p, c, 1, 1, 0, false));
  for (int64_t i = 0; i < nodes; ++i)
    for (int64_t j = 0; j < 2 + i; ++j) {
      const int64_t stride = reduction && j < 2 ? 2 : 1;
      edges_.push_back(
          register_module("edge" + std::to_string(edges_.size()), MixedOp(set, c / partial_channels, stride)));
    }
  // Batches of edges that read the same states (see Batch).
  batches_.resize(static_cast<size_t>(nodes));
  int64_t e = 0;
  for (int64_t i = 0; i < nodes; ++i)
    for (int64_t j = 0; j < 2 + i; ++j, ++e) {
      Batch& b = batches_[static_cast<size_t>(j < 2 ? 0 : j - 1)];
      b.edges.push_back(e);
      b.inputs.push_back(j);
      b.targets.push_back(i);
    }
  for (auto& b : batches_) batch_sizes_.push_back(static_cast<int64_t>(b.edges.size()));
  for (auto& b : batches_) {
    std::vector<std::vector<std::shared_ptr<Op>>> ops;
    for (int64_t edge : b.edges) ops.push_back(edges_[static_cast<size_t>(edge)]->ops());
    b.run = std::make_shared<EdgeBatch>(std::move(ops));
  }
}

at::Tensor SearchCellImpl::forward_batched(const at::Tensor& s0, const at::Tensor& s1, const at::Tensor& w, bool nhwc) {
  const bool per_example = w.dim() == 3;
  std::vector<at::Tensor> states{pre0_->forward(s0), pre1_->forward(s1)};
  std::vector<at::Tensor> node(static_cast<size_t>(nodes_));
  if (!batch_order_.defined() || batch_order_.device() != w.device()) {
    std::vector<int64_t> order;
    for (const auto& b : batches_) order.insert(order.end(), b.edges.begin(), b.edges.end());
    batch_order_ = at::tensor(order, at::TensorOptions().dtype(at::kLong)).to(w.device());
  }
  const int64_t edge_dim = per_example ? 1 : 0;
  const auto batch_w = w.index_select(edge_dim, batch_order_).split_with_sizes(batch_sizes_, edge_dim);
  for (size_t bi = 0; bi < batches_.size(); ++bi) {
    Batch& b = batches_[bi];
    std::vector<at::Tensor> xs;
    for (int64_t j : b.inputs) xs.push_back(states[static_cast<size_t>(j)]);
    const at::Tensor y = b.run->forward(xs, batch_w[bi], nhwc);  // [N, k, C, H, W]
    // unbind, not select: one stack in the backward instead of a zero-filled tensor per edge.
    if (bi == 0) {
      // The edges from s0 and s1 come in pairs per node: one sum gives every node's part.
      // Channels-last: an add of the two halves, which keeps y's layout (a sum's result is
      // NCHW); NCHW: the sum, whose backward is a free expand (an unbind's is a stack).
      const at::Tensor by_pair = y.view({y.size(0), nodes_, 2, y.size(2), y.size(3), y.size(4)});
      std::vector<at::Tensor> pairs;
      if (nhwc) {
        const auto halves = by_pair.unbind(2);
        pairs = (halves[0] + halves[1]).unbind(1);
      } else {
        pairs = by_pair.sum(2).unbind(1);
      }
      for (int64_t i = 0; i < nodes_; ++i) node[static_cast<size_t>(i)] = pairs[static_cast<size_t>(i)];
    } else {
      const auto parts = y.unbind(1);
      for (size_t p = 0; p < b.targets.size(); ++p) {
        auto& sum = node[static_cast<size_t>(b.targets[p])];
        sum = sum + parts[p];
      }
    }
    // Node bi now has all its inputs (batches 0..bi): it becomes state bi + 2.
    states.push_back(node[bi]);
  }
  return concat_cell_states(at::TensorList(states).slice(2), nhwc);
}

at::Tensor SearchCellImpl::run(const at::Tensor& s0, const at::Tensor& s1,
                               const std::function<at::Tensor(int64_t, const at::Tensor&)>& edge, bool nhwc) {
  std::vector<at::Tensor> states{pre0_->forward(s0), pre1_->forward(s1)};
  if (nhwc)
    for (auto& s : states) s = to_channels_last(s);
  int64_t e = 0;
  for (int64_t i = 0; i < nodes_; ++i) {
    at::Tensor sum;
    for (int64_t j = 0; j < 2 + i; ++j, ++e) {
      at::Tensor h = edge(e, states[static_cast<size_t>(j)]);
      if (h.defined()) sum = sum.defined() ? sum + h : h;
    }
    states.push_back(nhwc ? channels_last_state(sum) : sum);
  }
  return concat_cell_states(at::TensorList(states).slice(2), nhwc);
}

at::Tensor SearchCellImpl::forward(const at::Tensor& s0, const at::Tensor& s1, const at::Tensor& w, bool nhwc) {
  if (batch_edges_) return forward_batched(s0, s1, w, nhwc);
  const bool per_example = w.dim() == 3;
  return run(
      s0, s1,
      [&](int64_t e, const at::Tensor& x) {
        return edges_[static_cast<size_t>(e)]->forward(x, per_example ? w.select(1, e) : w.select(0, e));
      },
      /*nhwc=*/false);
}

at::Tensor SearchCellImpl::forward_discrete(const at::Tensor& s0, const at::Tensor& s1, const std::vector<int64_t>& ops,
                                            bool nhwc, double drop_prob) {
  if (static_cast<int64_t>(ops.size()) != static_cast<int64_t>(edges_.size()))
    throw Error("forward_discrete: expected " + std::to_string(edges_.size()) + " op indices, got " +
                std::to_string(ops.size()));
  return run(
      s0, s1,
      [&](int64_t e, const at::Tensor& x) -> at::Tensor {
        auto& edge = edges_[static_cast<size_t>(e)];
        const int64_t op = ops[static_cast<size_t>(e)];
        const at::Tensor h = edge->forward_single(x, op);  // the zero op yields zeros of the right shape
        return drop_path_after(*edge->ops()[static_cast<size_t>(op)], h, drop_prob, is_training());
      },
      nhwc);
}

at::Tensor SearchCellImpl::forward_edges(
    const at::Tensor& s0, const at::Tensor& s1,
    const std::function<at::Tensor(int64_t, MixedOpImpl&, const at::Tensor&)>& edge, bool nhwc) {
  return run(
      s0, s1, [&](int64_t e, const at::Tensor& x) { return edge(e, *edges_[static_cast<size_t>(e)], x); }, nhwc);
}

DartsSearchNetworkImpl::DartsSearchNetworkImpl(const SearchNetworkOptions& o, std::shared_ptr<const OperationSet> ops)
    : options_(o), ops_(std::move(ops)) {
  if (!ops_) throw ConfigError("DartsSearchNetwork: no operation set");
  check_network_sizes("DartsSearchNetwork", o.layers, o.channels, o.stem_multiplier, o.nodes);
  const int64_t c_stem = o.stem_multiplier * o.channels;
  stem_conv_ = register_module(
      "stem_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels, c_stem, 3).padding(1).bias(false)));
  stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(c_stem));
  const auto red = reduction_cells(o.layers);
  int64_t c_pp = c_stem, c_p = c_stem, c = o.channels;
  bool reduction_prev = false;
  for (int64_t i = 0; i < o.layers; ++i) {
    const bool reduction = i == red[0] || i == red[1];
    if (reduction) c *= 2;
    cells_.push_back(register_module("cell" + std::to_string(i),
                                     SearchCell(*ops_, o.nodes, c_pp, c_p, c, reduction, reduction_prev,
                                                o.batch_edges && o.partial_channels == 1, o.partial_channels)));
    shapes_.push_back({reduction, c});
    reduction_prev = reduction;
    c_pp = c_p;
    c_p = o.nodes * c;
  }
  feature_dim_ = c_p;
  num_edges_ = cell_edge_count(o.nodes);
  classifier_ = register_module("classifier", torch::nn::Linear(c_p, o.num_outputs));
}

void DartsSearchNetworkImpl::set_batch_edges(bool on) {
  options_.batch_edges = on;
  for (auto& c : cells_) c->set_batch_edges(on);
}

at::Tensor DartsSearchNetworkImpl::run_cells(
    const at::Tensor& x, const std::function<at::Tensor(SearchCell&, const at::Tensor&, const at::Tensor&)>& cell) {
  at::Tensor s0 = stem_bn_->forward(stem_conv_->forward(x));
  at::Tensor s1 = s0;
  for (auto& c : cells_) {
    at::Tensor next = cell(c, s0, s1);
    s0 = s1;
    s1 = next;
  }
  return s1.mean({2, 3});  // global average pool + flatten
}

static void check_weights(const at::Tensor& w, int64_t edges, int64_t ops, const char* which) {
  const bool ok = (w.dim() == 2 && w.size(0) == edges && w.size(1) == ops) ||
                  (w.dim() == 3 && w.size(1) == edges && w.size(2) == ops);
  if (!ok)
    throw Error(std::string("DartsSearchNetwork: ") + which + " weights must be [" + std::to_string(edges) + ", " +
                std::to_string(ops) + "] or [N, " + std::to_string(edges) + ", " + std::to_string(ops) + "], got " +
                std::to_string(w.dim()) + "-d tensor");
}

void DartsSearchNetworkImpl::require_whole_edges(const char* what) const {
  if (options_.partial_channels != 1)
    throw Error(std::string("DartsSearchNetwork::") + what +
                ": the edges hold partial-channel ops (partial_channels = " +
                std::to_string(options_.partial_channels) + "); only forward_edges() can run them");
}

at::Tensor DartsSearchNetworkImpl::features(const at::Tensor& x, const at::Tensor& w_normal,
                                            const at::Tensor& w_reduce) {
  require_whole_edges("forward");
  check_weights(w_normal, num_edges_, num_ops(), "normal");
  check_weights(w_reduce, num_edges_, num_ops(), "reduce");
  // The stem too, so that the first cell's inputs are already channels-last.
  const bool nhwc = options_.batch_edges && run_channels_last(options_.layout, x);
  return run_cells(nhwc ? to_channels_last(x) : x, [&](SearchCell& c, const at::Tensor& s0, const at::Tensor& s1) {
    return c->forward(s0, s1, c->reduction() ? w_reduce : w_normal, nhwc);
  });
}

at::Tensor DartsSearchNetworkImpl::forward(const at::Tensor& x, const at::Tensor& w_normal,
                                           const at::Tensor& w_reduce) {
  const AutocastScope bf16(x.device().type());
  return float_logits(classifier_->forward(features(x, w_normal, w_reduce)), bf16);
}

at::Tensor DartsSearchNetworkImpl::forward_discrete(const at::Tensor& x, const std::vector<int64_t>& ops_normal,
                                                    const std::vector<int64_t>& ops_reduce, double drop_prob,
                                                    const CellTap& after_cell) {
  require_whole_edges("forward_discrete");
  const AutocastScope bf16(x.device().type());
  const bool nhwc = run_channels_last(options_.layout, x);
  int64_t index = 0;
  const at::Tensor f =
      run_cells(nhwc ? to_channels_last(x) : x, [&](SearchCell& c, const at::Tensor& s0, const at::Tensor& s1) {
        at::Tensor out = c->forward_discrete(s0, s1, c->reduction() ? ops_reduce : ops_normal, nhwc, drop_prob);
        if (after_cell) after_cell(index, out);
        ++index;
        return out;
      });
  return float_logits(classifier_->forward(f), bf16);
}

at::Tensor DartsSearchNetworkImpl::forward_edges(const at::Tensor& x, const EdgeForward& edge) {
  const AutocastScope bf16(x.device().type());
  const bool nhwc = run_channels_last(options_.layout, x);
  int64_t index = 0;
  const at::Tensor f =
      run_cells(nhwc ? to_channels_last(x) : x, [&](SearchCell& c, const at::Tensor& s0, const at::Tensor& s1) {
        const int64_t cell = index++;
        const bool reduction = c->reduction();
        return c->forward_edges(
            s0, s1, [&](int64_t e, MixedOpImpl& op, const at::Tensor& in) { return edge(cell, reduction, e, op, in); },
            nhwc);
      });
  return float_logits(classifier_->forward(f), bf16);
}

}  // namespace nas::nn
