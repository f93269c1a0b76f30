#include "nashost/nn/darts_eval_network.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "nashost/nn/layout.hpp"
#include "nashost/nn/limits.hpp"

namespace nas::nn {

EvalCellImpl::EvalCellImpl(const OperationSet& set, const CellGenotype& cell, int64_t c_pp, int64_t c_p, int64_t c,
                           bool reduction, bool reduction_prev)
    : concat_(cell.concat) {
  // Genotype files are data: bound what they may make us allocate (nashost/nn/limits.hpp).
  if (static_cast<int64_t>(cell.nodes.size()) > kMaxNodes)
    throw Error("genotype cell has " + std::to_string(cell.nodes.size()) + " nodes; at most " +
                std::to_string(kMaxNodes) + " are supported");
  for (size_t i = 0; i < cell.nodes.size(); ++i)
    if (static_cast<int64_t>(cell.nodes[i].size()) > kMaxNodes + 2)
      throw Error("genotype node " + std::to_string(i) + " has " + std::to_string(cell.nodes[i].size()) +
                  " edges; at most " + std::to_string(kMaxNodes + 2) + " are supported");
  if (concat_.size() > cell.nodes.size() + 2)  // the output width is concat size x c
    throw Error("genotype concat lists " + std::to_string(concat_.size()) + " states, but the cell has only " +
                std::to_string(cell.nodes.size() + 2));
  if (reduction_prev)
    pre0_ = register_module("preprocess0", std::make_shared<FactorizedReduce>(c_pp, c, true));
  else
    pre0_ = register_module("preprocess0", std::make_shared<ReLUConvBN>(c_pp, c, 1, 1, 0, true));
  pre1_ = register_module("preprocess1", std::make_shared<ReLUConvBN>(c_p, c, 1, 1, 0, true));
  for (size_t i = 0; i < cell.nodes.size(); ++i) {
    std::vector<std::pair<std::shared_ptr<Op>, int>> edges;
    for (size_t k = 0; k < cell.nodes[i].size(); ++k) {
      const auto& e = cell.nodes[i][k];
      if (e.input < 0 || e.input >= static_cast<int>(i) + 2)
        throw Error("genotype node " + std::to_string(i) + " reads state " + std::to_string(e.input) +
                    ", which is not an earlier state");
      OpArgs args;
      args.channels = c;
      args.stride = reduction && e.input < 2 ? 2 : 1;
      args.affine = true;
      args.search = false;
      auto op =
          register_module("node" + std::to_string(i) + "_" + std::to_string(k) + "_" + e.op, set.make(e.op, args));
      edges.emplace_back(std::move(op), e.input);
    }
    nodes_.push_back(std::move(edges));
  }
  if (concat_.empty()) throw Error("genotype cell has an empty concat list");
  for (int s : concat_)
    if (s < 0 || s >= static_cast<int>(cell.nodes.size()) + 2)
      throw Error("genotype concat names state " + std::to_string(s) + ", which does not exist");
}

at::Tensor EvalCellImpl::forward(const at::Tensor& s0, const at::Tensor& s1, double drop_prob, bool nhwc) {
  std::vector<at::Tensor> states{pre0_->forward(s0), pre1_->forward(s1)};
  if (nhwc)
    for (auto& s : states) s = to_channels_last(s);
  for (auto& node : nodes_) {
    at::Tensor sum;
    for (auto& [op, input] : node) {
      const at::Tensor h =
          drop_path_after(*op, op->forward(states[static_cast<size_t>(input)]), drop_prob, is_training());
      sum = sum.defined() ? sum + h : h;
    }
    if (!sum.defined()) throw Error("genotype node without incoming edges");
    states.push_back(nhwc ? channels_last_state(sum) : sum);
  }
  std::vector<at::Tensor> out;
  for (int s : concat_) out.push_back(states[static_cast<size_t>(s)]);
  return concat_cell_states(out, nhwc);
}

AuxiliaryHeadImpl::AuxiliaryHeadImpl(int64_t c, int64_t h, int64_t w, int64_t num_outputs) {
  if (h < 6 || w < 6)
    throw ConfigError("auxiliary head needs feature maps of at least 6x6 at its cell, got " + std::to_string(h) + "x" +
                      std::to_string(w) + "; set auxiliary = false");
  stride_h_ = std::max<int64_t>(1, h - 5);
  stride_w_ = std::max<int64_t>(1, w - 5);
  conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, 128, 1).bias(false)));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(128));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(128, 768, 2).bias(false)));
  bn2_ = register_module("bn2", torch::nn::BatchNorm2d(768));
  classifier_ = register_module("classifier", torch::nn::Linear(768, num_outputs));
}

at::Tensor AuxiliaryHeadImpl::forward(const at::Tensor& x) {
  at::Tensor y = at::avg_pool2d(at::relu(x), {5, 5}, {stride_h_, stride_w_}, {0, 0}, false, false);
  y = at::relu(bn1_->forward(conv1_->forward(y)));
  y = at::relu(bn2_->forward(conv2_->forward(y)));
  return classifier_->forward(y.flatten(1));
}

DartsEvalNetworkImpl::DartsEvalNetworkImpl(const EvalNetworkOptions& o, const Genotype& g,
                                           std::shared_ptr<const OperationSet> ops)
    : options_(o), ops_(std::move(ops)) {
  if (!g.is_cell()) throw ConfigError("DARTS evaluation network needs a cell genotype, got space '" + g.space + "'");
  check_network_sizes("DartsEvalNetwork", o.layers, o.channels, o.stem_multiplier);
  const int64_t c_stem = o.stem_multiplier * o.channels;
  stem_conv_ = register_module(
      "stem_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels, c_stem, 3).padding(1).bias(false)));
  stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(c_stem));
  const auto red = reduction_cells(o.layers);
  int64_t c_pp = c_stem, c_p = c_stem, c = o.channels, h = o.input_height, w = o.input_width;
  bool reduction_prev = false;
  for (int64_t i = 0; i < o.layers; ++i) {
    const bool reduction = i == red[0] || i == red[1];
    if (reduction) {
      c *= 2;
      h = (h + 1) / 2;
      w = (w + 1) / 2;
    }
    walk_.push_back({c_pp, c_p, c});
    auto cell = EvalCell(*ops_, reduction ? g.reduce : g.normal, c_pp, c_p, c, reduction, reduction_prev);
    const int64_t out = cell->multiplier() * c;
    cells_.push_back(register_module("cell" + std::to_string(i), cell));
    reduction_prev = reduction;
    c_pp = c_p;
    c_p = out;
    if (o.auxiliary && i == auxiliary_head_cell(o.layers)) {
      aux_after_ = i;
      aux_ = register_module("auxiliary", AuxiliaryHead(c_p, h, w, o.num_outputs));
    }
  }
  classifier_ = register_module("classifier", torch::nn::Linear(c_p, o.num_outputs));
}

std::pair<at::Tensor, at::Tensor> DartsEvalNetworkImpl::forward(const at::Tensor& x) {
  const bool nhwc = run_channels_last(options_.layout, x);
  at::Tensor s0 = stem_bn_->forward(stem_conv_->forward(nhwc ? to_channels_last(x) : x));
  at::Tensor s1 = s0, aux;
  for (size_t i = 0; i < cells_.size(); ++i) {
    at::Tensor next = cells_[i]->forward(s0, s1, drop_prob_, nhwc);
    s0 = s1;
    s1 = next;
    if (static_cast<int64_t>(i) == aux_after_ && is_training()) aux = aux_->forward(s1);
  }
  return {classifier_->forward(s1.mean({2, 3})), aux};
}

int64_t DartsEvalNetworkImpl::param_count_without_aux() const {
  int64_t n = count_parameters(*this);
  if (aux_) n -= count_parameters(*aux_);
  return n;
}

}  // namespace nas::nn
