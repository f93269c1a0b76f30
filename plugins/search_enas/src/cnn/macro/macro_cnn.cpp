#include "cnn/macro/macro_cnn.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"
#include "nashost/genotype_macro.hpp"
#include "nashost/nn/limits.hpp"
#include "nashost/nn/darts_ops.hpp"  // the SDK's cell building blocks (FactorizedReduce, ReLUConvBN, ...)
#include "cnn/cnn_network_config.hpp"

namespace nas::enas {

Json MacroCnnConfig::to_json() const {
  Json j = common_config_json(*this);
  j["grow_channels"] = grow_channels;
  return j;
}

MacroCnnConfig MacroCnnConfig::from_json(const Json& j) {
  MacroCnnConfig c;
  read_common_config_json(c, j);
  c.grow_channels = j.at("grow_channels").get<bool>();
  return c;
}

MacroCnnConfig MacroCnnConfig::for_data(const DatasetInfo& info, const Config& o, int64_t num_layers,
                                        bool grow_channels) {
  MacroCnnConfig c;
  set_common_sizes(c, info, o);
  c.num_layers = num_layers;
  c.grow_channels = grow_channels;
  return c;
}

std::vector<int64_t> MacroCnnConfig::reductions_after() const { return macro_reductions_after(num_layers); }

// --- branch ----------------------------------------------------------------------------------

MacroBranchImpl::MacroBranchImpl(int op, int64_t c_in, int64_t c) : op_(op) {
  using torch::nn::Conv2dOptions;
  in_conv_ = register_module("in_conv", torch::nn::Conv2d(Conv2dOptions(c_in, c, 1).bias(false)));
  in_bn_ = register_module("in_bn", torch::nn::BatchNorm2d(c));
  if (op >= 4) return;  // pools: no weights after the 1x1 conv
  const int64_t k = op < 2 ? 3 : 5;
  const bool separable = op % 2 == 1;
  conv_ = register_module(
      "conv", torch::nn::Conv2d(Conv2dOptions(c, c, k).padding(k / 2).groups(separable ? c : 1).bias(false)));
  if (separable) point_ = register_module("point", torch::nn::Conv2d(Conv2dOptions(c, c, 1).bias(false)));
  bn_ = register_module("bn", torch::nn::BatchNorm2d(c));
}

at::Tensor MacroBranchImpl::forward(const at::Tensor& x) {
  at::Tensor y = at::relu(in_bn_->forward(in_conv_->forward(x)));
  if (op_ == 4) return at::avg_pool2d(y, {3, 3}, {1, 1}, {1, 1}, false, /*count_include_pad=*/false);
  if (op_ == 5) return at::max_pool2d(y, {3, 3}, {1, 1}, {1, 1});
  y = conv_->forward(y);
  if (point_) y = point_->forward(y);
  return at::relu(bn_->forward(y));
}

// --- network ---------------------------------------------------------------------------------

MacroCnnImpl::MacroCnnImpl(MacroCnnConfig config, std::optional<MacroArc> fixed)
    : config_(config), fixed_(std::move(fixed)) {
  const auto& c = config_;
  if (c.channels < 2 || c.channels % 2 != 0)
    throw ConfigError("enas macro cnn: channels must be even and at least 2, got " + std::to_string(c.channels));
  if (c.num_layers < 1) throw ConfigError("enas macro cnn: num_layers must be at least 1");
  // Configs also come from model files and genotypes: bound them before allocating.
  if (c.channels > nn::kMaxChannels || c.num_layers > nn::kMaxLayers)
    throw ConfigError("enas macro cnn: channels " + std::to_string(c.channels) + " and num_layers " +
                      std::to_string(c.num_layers) + " must be at most " + std::to_string(nn::kMaxChannels) + " and " +
                      std::to_string(nn::kMaxLayers));
  if (c.keep_prob <= 0 || c.keep_prob > 1) throw ConfigError("enas macro cnn: keep_prob must be in (0, 1]");
  if (fixed_) {
    validate_macro(*fixed_, "enas macro cnn");
    if (fixed_->layers() != c.num_layers)
      throw ConfigError("enas macro cnn: the arc has " + std::to_string(fixed_->layers()) + " layers, num_layers is " +
                        std::to_string(c.num_layers));
  }
  const auto red = c.reductions_after();
  int64_t h = c.height, w = c.width;
  for (size_t r = 0; r < red.size(); ++r) {
    if (h % 2 != 0 || w % 2 != 0)
      throw ConfigError("enas macro cnn: input " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                        " cannot be halved at every factorized reduction (it needs even sizes)");
    h /= 2;
    w /= 2;
  }
  stem_conv_ = register_module(
      "stem_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in_channels, c.channels, 3).padding(1).bias(false)));
  stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(c.channels));
  int64_t width = c.channels;
  const int num_ops = static_cast<int>(macro_op_names().size());
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string layer = "layer" + std::to_string(i);
    std::map<int, MacroBranch> ops;
    for (int op = 0; op < num_ops; ++op)
      if (!fixed_ || fixed_->ops[static_cast<size_t>(i)] == op)
        ops.emplace(op, register_module(layer + "_" + macro_op_names()[static_cast<size_t>(op)],
                                        MacroBranch(op, width, width)));
    branches_.push_back(std::move(ops));
    sum_bn_.push_back(i > 0 ? register_module(layer + "_bn", torch::nn::BatchNorm2d(width))
                            : torch::nn::BatchNorm2d(nullptr));
    widths_.push_back(width);
    if (std::find(red.begin(), red.end(), i) != red.end()) {
      const int64_t next = c.grow_channels ? 2 * width : width;
      for (int64_t j = 0; j <= i; ++j)
        reduce_[i].push_back(register_module("reduce_after" + std::to_string(i) + "_layer" + std::to_string(j),
                                             std::make_shared<nn::FactorizedReduce>(width, next, true)));
      width = next;
    }
  }
  classifier_ = register_module("classifier", torch::nn::Linear(width, c.num_classes));
  if (c.aux_head) {
    if (red.empty())
      throw ConfigError("enas macro cnn: the auxiliary head sits after the last reduction; " +
                        std::to_string(c.num_layers) +
                        " layers have none (needs num_layers >= 3); set auxiliary = false");
    // Registered last so the other parameters keep their order with or without it. h x w
    // is the size after both reductions (checked >= 6x6 by AuxiliaryHead).
    aux_layer_ = red.back() + 1;  // < num_layers: the last reduction is after layer 2L/3 - 1
    aux_ = register_module("aux_head",
                           nas::nn::AuxiliaryHead(widths_[static_cast<size_t>(aux_layer_)], h, w, c.num_classes));
  }
}

int64_t MacroCnnImpl::aux_parameter_count() const {
  int64_t n = 0;
  if (aux_)
    for (const auto& p : aux_->parameters()) n += p.numel();
  return n;
}

MacroBranch& MacroCnnImpl::branch(int layer, int op) {
  auto& ops = branches_.at(static_cast<size_t>(layer));
  auto it = ops.find(op);
  if (it == ops.end())
    throw Error("enas macro cnn: layer " + std::to_string(layer) + " has no " +
                macro_op_names().at(static_cast<size_t>(op)) + " branch (a fixed network runs only its own arc)");
  return it->second;
}

at::Tensor MacroCnnImpl::forward(const at::Tensor& x, const MacroArc& arc, bool dropout) {
  if (arc.layers() != config_.num_layers)
    throw Error("enas macro cnn: the arc has " + std::to_string(arc.layers()) + " layers, the network " +
                std::to_string(config_.num_layers));
  std::vector<at::Tensor> layers;
  aux_logits_ = at::Tensor();
  at::Tensor input = stem_bn_->forward(stem_conv_->forward(x));
  for (int i = 0; i < arc.layers(); ++i) {
    at::Tensor out = branch(i, arc.ops[static_cast<size_t>(i)])->forward(input);
    if (i > 0) {
      for (int j = 0; j < i; ++j)
        if (arc.skips[static_cast<size_t>(i)][static_cast<size_t>(j)]) out = out + layers[static_cast<size_t>(j)];
      out = sum_bn_[static_cast<size_t>(i)]->forward(out);
    }
    layers.push_back(out);
    auto r = reduce_.find(i);
    if (r != reduce_.end())
      for (size_t j = 0; j < layers.size(); ++j) layers[j] = r->second[j]->forward(layers[j]);
    input = layers.back();
    if (aux_ && i == aux_layer_ && is_training()) aux_logits_ = aux_->forward(input);
  }
  at::Tensor y = at::adaptive_avg_pool2d(input, {1, 1}).flatten(1);
  if (dropout && config_.keep_prob < 1.0) y = at::dropout(y, 1.0 - config_.keep_prob, true);
  return classifier_->forward(y);
}

at::Tensor MacroCnnImpl::forward(const at::Tensor& x, bool dropout) {
  if (!fixed_) throw Error("enas macro cnn: forward without an arc needs a fixed network");
  return forward(x, *fixed_, dropout);
}

}  // namespace nas::enas
