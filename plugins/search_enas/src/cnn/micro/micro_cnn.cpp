#include "cnn/micro/micro_cnn.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/nn/darts_ops.hpp"  // the SDK's cell building blocks (FactorizedReduce, ReLUConvBN, ...)
#include "nashost/nn/drop_path.hpp"
#include "nashost/nn/limits.hpp"

namespace nas::enas {

Json SharedCnnConfig::to_json() const {
  Json j = common_config_json(*this);
  j["num_nodes"] = num_nodes;
  return j;
}

SharedCnnConfig SharedCnnConfig::from_json(const Json& j) {
  SharedCnnConfig c;
  read_common_config_json(c, j);
  c.num_nodes = j.at("num_nodes").get<int>();
  return c;
}

SharedCnnConfig SharedCnnConfig::for_data(const DatasetInfo& info, const Config& o, int num_nodes) {
  SharedCnnConfig c;
  set_common_sizes(c, info, o);
  c.num_layers = o.get_int_in("num_layers", 1, nn::kMaxLayers);
  c.num_nodes = num_nodes;
  return c;
}

std::vector<int64_t> SharedCnnConfig::reduction_layers() const {
  const int64_t d = num_layers / 3;  // authors: pool_distance = num_layers // 3
  return {d, 2 * d + 1};
}

// --- cell -----------------------------------------------------------------------------------

std::string EnasCnnCellImpl::key(int node, int slot, int input, int op) {
  return "n" + std::to_string(node) + "_" + (slot == 0 ? "x" : "y") + "_in" + std::to_string(input) + "_op" +
         std::to_string(op);
}

EnasCnnCellImpl::EnasCnnCellImpl(const OperationSet& ops, int num_nodes, int64_t c_pp, int64_t c_p, int64_t c,
                                 bool reduction, bool reduction_prev, const CellArc* fixed)
    : num_nodes_(num_nodes), c_(c), reduction_(reduction), op_names_(ops.ops()) {
  if (fixed) fixed_ = *fixed;
  // Calibration of the two inputs to C channels (authors' _maybe_calibrate_size).
  if (reduction_prev)
    pre0_ = std::make_shared<nn::FactorizedReduce>(c_pp, c, true);
  else if (c_pp != c)
    pre0_ = std::make_shared<nn::ReLUConvBN>(c_pp, c, 1, 1, 0, true);
  if (c_p != c) pre1_ = std::make_shared<nn::ReLUConvBN>(c_p, c, 1, 1, 0, true);
  if (pre0_) register_module("pre0", pre0_);
  if (pre1_) register_module("pre1", pre1_);

  const std::vector<int> unused = fixed ? unused_states(*fixed) : std::vector<int>();
  auto needs_reduce_in = [&](int j) {
    return reduction && (!fixed || std::find(unused.begin(), unused.end(), j) != unused.end());
  };
  for (int j = 0; j < 2; ++j)
    if (needs_reduce_in(j))
      reduce_in_[j] =
          register_module("reduce_in" + std::to_string(j), std::make_shared<nn::FactorizedReduce>(c, c, true));

  auto add = [&](int node, int slot, int input, int op) {
    OpArgs a;
    a.channels = c;
    a.stride = reduction && input < 2 ? 2 : 1;
    a.affine = true;
    const std::string k = key(node, slot, input, op);
    if (edges_.count(k)) return;
    edges_[k] = register_module(k, ops.make(op_names_[static_cast<size_t>(op)], a));
  };
  if (fixed) {
    validate_cell(*fixed, static_cast<int>(op_names_.size()), "enas cell");
    for (int i = 0; i < fixed->nodes(); ++i)
      for (int s = 0; s < 2; ++s) add(i, s, fixed->input(i, s), fixed->op(i, s));
  } else {
    for (int i = 0; i < num_nodes; ++i)
      for (int s = 0; s < 2; ++s)
        for (int in = 0; in < i + 2; ++in)
          for (int op = 0; op < static_cast<int>(op_names_.size()); ++op) add(i, s, in, op);
  }
  const int64_t states = fixed ? static_cast<int64_t>(unused.size()) : num_nodes + 2;
  out_conv_ = register_parameter("out_conv", at::empty({c, states * c, 1, 1}));
  {
    torch::NoGradGuard no_grad;
    // Kaiming-uniform like torch's Conv2d default, over the fan-in of one state's slice.
    const double bound = 1.0 / std::sqrt(static_cast<double>(c));
    out_conv_.uniform_(-bound, bound);
  }
  out_bn_ = register_module("out_bn", torch::nn::BatchNorm2d(c));
}

std::shared_ptr<Op> EnasCnnCellImpl::edge(int node, int slot, int input, int op) const {
  auto it = edges_.find(key(node, slot, input, op));
  if (it == edges_.end())
    throw Error("enas cell: no weights for node " + std::to_string(node) + " input " + std::to_string(input) + " op " +
                op_names_.at(static_cast<size_t>(op)) + " (a fixed network runs only its own arc)");
  return it->second;
}

at::Tensor EnasCnnCellImpl::forward(const at::Tensor& s0, const at::Tensor& s1, const CellArc& arc,
                                    const DropProb& drop_prob, bool nhwc) {
  if (arc.nodes() != num_nodes_)
    throw Error("enas cell: the arc has " + std::to_string(arc.nodes()) + " nodes, the cell " +
                std::to_string(num_nodes_));
  std::vector<at::Tensor> states{pre0_ ? pre0_->forward(s0) : s0, pre1_ ? pre1_->forward(s1) : s1};
  if (nhwc)
    for (auto& s : states) s = nn::to_channels_last(s);
  for (int i = 0; i < num_nodes_; ++i) {
    at::Tensor sum;
    for (int s = 0; s < 2; ++s) {
      auto op = edge(i, s, arc.input(i, s), arc.op(i, s));
      const at::Tensor y = op->forward(states[static_cast<size_t>(arc.input(i, s))]);
      const at::Tensor h = drop_prob.tensor.defined() ? nn::drop_path_after(*op, y, drop_prob.tensor, is_training())
                                                      : nn::drop_path_after(*op, y, drop_prob.value, is_training());
      sum = sum.defined() ? sum + h : h;
    }
    states.push_back(nhwc ? nn::channels_last_state(sum) : sum);
  }
  const std::vector<int> unused = unused_states(arc);
  std::vector<at::Tensor> outs;
  std::vector<int64_t> rows;
  for (int j : unused) {
    at::Tensor t = states[static_cast<size_t>(j)];
    if (reduction_ && j < 2) t = reduce_in_[j]->forward(t);
    outs.push_back(t);
    for (int64_t k = 0; k < c_; ++k) rows.push_back(j * c_ + k);
  }
  at::Tensor w = out_conv_;
  if (!fixed_) {
    w = out_conv_.index_select(1, at::tensor(rows, at::TensorOptions().dtype(at::kLong)).to(out_conv_.device()));
  } else if (unused != unused_states(*fixed_)) {
    throw Error("enas cell: a fixed network was run with another arc");
  }
  at::Tensor y = at::conv2d(at::relu(at::cat(outs, 1)), w);
  return out_bn_->forward(y);
}

// --- network ----------------------------------------------------------------------------------

SharedCnnImpl::SharedCnnImpl(SharedCnnConfig config, const OperationSet& ops, std::optional<CnnArc> fixed)
    : config_(config), fixed_(std::move(fixed)) {
  const auto& c = config_;
  if (c.channels < 2 || c.channels % 2 != 0)
    throw ConfigError("enas cnn: channels must be even and at least 2, got " + std::to_string(c.channels));
  if (c.num_layers < 0 || c.num_nodes < 1) throw ConfigError("enas cnn: num_layers >= 0 and num_blocks >= 1 required");
  // Configs also come from model files and genotypes: bound them before allocating.
  if (c.channels > nn::kMaxChannels || c.num_layers > nn::kMaxLayers || c.num_nodes > nn::kMaxNodes)
    throw ConfigError("enas cnn: channels " + std::to_string(c.channels) + ", num_layers " +
                      std::to_string(c.num_layers) + ", num_blocks " + std::to_string(c.num_nodes) +
                      " exceed the limits " + std::to_string(nn::kMaxChannels) + ", " + std::to_string(nn::kMaxLayers) +
                      ", " + std::to_string(nn::kMaxNodes));
  if (c.keep_prob <= 0 || c.keep_prob > 1) throw ConfigError("enas cnn: keep_prob must be in (0, 1]");
  if (fixed_) {
    if (fixed_->normal.nodes() != c.num_nodes || fixed_->reduce.nodes() != c.num_nodes)
      throw ConfigError("enas cnn: the arc's cells have " + std::to_string(fixed_->normal.nodes()) +
                        " nodes, num_blocks is " + std::to_string(c.num_nodes));
  }
  int64_t h = c.height, w = c.width;
  for (int r = 0; r < 2; ++r) {
    if (h % 2 != 0 || w % 2 != 0)
      throw ConfigError("enas cnn: input " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                        " cannot be halved at both reduction cells (factorized reduction needs even sizes)");
    h /= 2;
    w /= 2;
  }
  stem_conv_ = register_module(
      "stem_conv",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in_channels, 3 * c.channels, 3).padding(1).bias(false)));
  stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(3 * c.channels));
  const auto red = c.reduction_layers();
  int64_t c_pp = 3 * c.channels, c_p = 3 * c.channels, cc = c.channels;
  bool reduction_prev = false;
  for (int64_t layer = 0; layer < c.num_layers + 2; ++layer) {
    const bool reduction = std::find(red.begin(), red.end(), layer) != red.end();
    if (reduction) cc *= 2;
    const CellArc* arc = fixed_ ? (reduction ? &fixed_->reduce : &fixed_->normal) : nullptr;
    cells_.push_back(register_module("cell" + std::to_string(layer),
                                     EnasCnnCell(ops, c.num_nodes, c_pp, c_p, cc, reduction, reduction_prev, arc)));
    walk_.push_back({c_pp, c_p, cc, reduction ? 1 : 0});
    if (c.aux_head && fixed_ && !red.empty() && layer == red.back() + 1) {
      aux_layer_ = layer;
      aux_ = register_module("aux_head", nas::nn::AuxiliaryHead(cc, h, w, c.num_classes));
    }
    c_pp = c_p;
    c_p = cc;
    reduction_prev = reduction;
  }
  classifier_ = register_module("classifier", torch::nn::Linear(c_p, c.num_classes));
}

int64_t SharedCnnImpl::aux_parameter_count() const {
  int64_t n = 0;
  if (aux_)
    for (const auto& p : aux_->parameters()) n += p.numel();
  return n;
}

at::Tensor SharedCnnImpl::forward(const at::Tensor& x, const CnnArc& arc, bool dropout, const DropProb& drop_path) {
  const bool nhwc = nn::run_channels_last(layout_, x);
  at::Tensor s0 = stem_bn_->forward(stem_conv_->forward(nhwc ? nn::to_channels_last(x) : x)), s1 = s0;
  aux_logits_ = at::Tensor();
  const double layers = static_cast<double>(cells_.size());
  for (size_t l = 0; l < cells_.size(); ++l) {
    auto& cell = cells_[l];
    const DropProb p = drop_path.scaled(static_cast<double>(l + 1), layers);  // authors: scaled by depth
    at::Tensor out = cell->forward(s0, s1, cell->reduction() ? arc.reduce : arc.normal, p, nhwc);
    s0 = s1;
    s1 = out;
    if (aux_ && static_cast<int64_t>(l) == aux_layer_ && is_training()) aux_logits_ = aux_->forward(out);
  }
  at::Tensor y = at::adaptive_avg_pool2d(at::relu(s1), {1, 1}).flatten(1);
  if (dropout && config_.keep_prob < 1.0) y = at::dropout(y, 1.0 - config_.keep_prob, true);
  return classifier_->forward(y);
}

at::Tensor SharedCnnImpl::forward(const at::Tensor& x, bool dropout, const DropProb& drop_path) {
  if (!fixed_) throw Error("enas cnn: forward without an arc needs a fixed network");
  return forward(x, *fixed_, dropout, drop_path);
}

}  // namespace nas::enas
