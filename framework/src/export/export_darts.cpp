// The DARTS networks under quark0/darts' names: the evaluation network as NetworkCIFAR
// (model.py) and the DARTS-CC one-hot network as the search Network (model_search.py),
// of which only the op each edge runs is kept.
#include <ATen/ATen.h>

#include "exporters.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype.hpp"

namespace nas::host {

namespace {

std::string str(int64_t i) { return std::to_string(i); }

/// ReLUConvBN: nn.Sequential(ReLU, Conv2d, BatchNorm2d) -> op.1, op.2.
void relu_conv_bn(WeightMap& w, const std::string& from, const std::string& to, NamedTensors& out) {
  out.emplace_back(to + ".op.1.weight", w.take(from + ".conv.weight"));
  w.move_prefix(from + ".bn", to + ".op.2", out);
}

/// FactorizedReduce: conv_1, conv_2, bn.
void factorized_reduce(WeightMap& w, const std::string& from, const std::string& to, NamedTensors& out) {
  out.emplace_back(to + ".conv_1.weight", w.take(from + ".conv1.weight"));
  out.emplace_back(to + ".conv_2.weight", w.take(from + ".conv2.weight"));
  w.move_prefix(from + ".bn", to + ".bn", out);
}

/// DilConv: nn.Sequential(ReLU, depthwise, pointwise, BN) starting at index `first`.
void dil_conv(WeightMap& w, const std::string& from, const std::string& to, int first, NamedTensors& out) {
  out.emplace_back(to + ".op." + str(first) + ".weight", w.take(from + ".depthwise.weight"));
  out.emplace_back(to + ".op." + str(first + 1) + ".weight", w.take(from + ".pointwise.weight"));
  w.move_prefix(from + ".bn", to + ".op." + str(first + 2), out);
}

/// One DARTS candidate op (sdk/src/nn/darts_ops.cpp) under quark0's operations.py names.
/// `pool_bn`: quark0's search MixedOp wraps pools as nn.Sequential(pool, BN) -> ".1".
void darts_op(WeightMap& w, const std::string& op, int64_t stride, const std::string& from, const std::string& to,
              bool pool_bn, NamedTensors& out) {
  if (op == "sep_conv_3x3" || op == "sep_conv_5x5") {
    dil_conv(w, from + ".first", to, 1, out);   // SepConv: op.1-3, ReLU at 4,
    dil_conv(w, from + ".second", to, 5, out);  // then op.5-7
  } else if (op == "dil_conv_3x3" || op == "dil_conv_5x5") {
    dil_conv(w, from, to, 1, out);
  } else if (op == "skip_connect") {
    if (stride != 1) factorized_reduce(w, from, to, out);
  } else if (op == "max_pool_3x3" || op == "avg_pool_3x3") {
    if (pool_bn) w.move_prefix(from + ".bn", to + ".1", out);
  } else if (op != "none") {
    throw Error("export: op '" + op +
                "' is not a DARTS op; only networks of the 'darts' operation set can be exported");
  }
}

const Json& config_of(const Json& card) { return card.at("config"); }

void check_darts_ops(const Json& c) {
  if (c.value("operation_set", std::string("darts")) != "darts")
    throw Error("export: the model was built with operation set '" + c.value("operation_set", std::string()) +
                "'; nashost_torch rebuilds only the 'darts' ops");
}

/// Common sizes of both DARTS networks for config.json.
Json image_config(const Json& c) {
  return Json{{"C", c.at("channels")},
              {"layers", c.at("layers")},
              {"stem_multiplier", c.at("stem_multiplier")},
              {"num_classes", c.at("num_outputs")},
              {"input_shape", Json::array({c.at("in_channels"), c.at("input_height"), c.at("input_width")})}};
}

}  // namespace

ExportedModel export_darts_eval(const Json& card, WeightMap& w) {
  const Json& c = config_of(card);
  check_darts_ops(c);
  const Genotype g = genotype_from_json(card.at("genotype"));
  const int64_t layers = c.at("layers").get<int64_t>();
  ExportedModel ex;
  ex.names = "quark0/darts NetworkCIFAR (cnn/model.py)";
  ex.config = image_config(c);
  ex.config["auxiliary"] = c.at("auxiliary");
  ex.config["task"] = c.value("task", std::string("classification"));
  NamedTensors& out = ex.weights;
  out.emplace_back("stem.0.weight", w.take("stem_conv.weight"));
  w.move_prefix("stem_bn", "stem.1", out);
  int64_t h = c.at("input_height").get<int64_t>(), wd = c.at("input_width").get<int64_t>();
  bool reduction_prev = false;
  for (int64_t i = 0; i < layers; ++i) {
    const bool reduction = i == layers / 3 || i == 2 * layers / 3;
    if (reduction) h = (h + 1) / 2, wd = (wd + 1) / 2;
    const std::string from = "cell" + str(i), to = "cells." + str(i);
    if (reduction_prev)
      factorized_reduce(w, from + ".preprocess0", to + ".preprocess0", out);
    else
      relu_conv_bn(w, from + ".preprocess0", to + ".preprocess0", out);
    relu_conv_bn(w, from + ".preprocess1", to + ".preprocess1", out);
    // quark0 keeps a cell's ops in one list, node by node (two per node in DARTS genotypes).
    const CellGenotype& cell = reduction ? g.reduce : g.normal;
    int64_t k = 0;
    for (size_t n = 0; n < cell.nodes.size(); ++n)
      for (size_t e = 0; e < cell.nodes[n].size(); ++e, ++k) {
        const GenotypeEdge& edge = cell.nodes[n][e];
        const int64_t stride = reduction && edge.input < 2 ? 2 : 1;
        darts_op(w, edge.op, stride,
                 from + ".node" + str(static_cast<int64_t>(n)) + "_" + str(static_cast<int64_t>(e)) + "_" + edge.op,
                 to + "._ops." + str(k), false, out);
      }
    reduction_prev = reduction;
    if (i == 2 * layers / 3 && c.at("auxiliary").get<bool>()) {
      // nashost pools with stride size-5 per axis (quark0 hard-codes 3, right for 8x8 maps only).
      ex.config["auxiliary_stride"] = Json::array({std::max<int64_t>(1, h - 5), std::max<int64_t>(1, wd - 5)});
    }
  }
  if (c.at("auxiliary").get<bool>()) {
    out.emplace_back("auxiliary_head.features.2.weight", w.take("auxiliary.conv1.weight"));
    w.move_prefix("auxiliary.bn1", "auxiliary_head.features.3", out);
    out.emplace_back("auxiliary_head.features.5.weight", w.take("auxiliary.conv2.weight"));
    w.move_prefix("auxiliary.bn2", "auxiliary_head.features.6", out);
    w.move_prefix("auxiliary.classifier", "auxiliary_head.classifier", out);
  }
  w.move_prefix("classifier", "classifier", out);
  return ex;
}

ExportedModel export_darts_cc_one_hot(const Json& card, WeightMap& w) {
  const Json& c = config_of(card);
  check_darts_ops(c);
  const auto ops = c.at("ops").get<std::vector<std::string>>();
  const auto normal = c.at("choice").at("normal").get<std::vector<int64_t>>();
  const auto reduce = c.at("choice").at("reduce").get<std::vector<int64_t>>();
  const int64_t layers = c.at("layers").get<int64_t>(), nodes = c.at("nodes").get<int64_t>();
  ExportedModel ex;
  ex.names = "quark0/darts search Network (cnn/model_search.py), only the op each edge runs";
  ex.config = image_config(c);
  ex.config["nodes"] = nodes;
  ex.config["primitives"] = ops;
  ex.config["choice"] = c.at("choice");
  NamedTensors& out = ex.weights;
  out.emplace_back("stem.0.weight", w.take("stem_conv.weight"));
  w.move_prefix("stem_bn", "stem.1", out);
  bool reduction_prev = false;
  for (int64_t i = 0; i < layers; ++i) {
    const bool reduction = i == layers / 3 || i == 2 * layers / 3;
    const std::string from = "cell" + str(i), to = "cells." + str(i);
    if (reduction_prev)
      factorized_reduce(w, from + ".preprocess0", to + ".preprocess0", out);
    else
      relu_conv_bn(w, from + ".preprocess0", to + ".preprocess0", out);
    relu_conv_bn(w, from + ".preprocess1", to + ".preprocess1", out);
    const auto& choice = reduction ? reduce : normal;
    int64_t e = 0;
    for (int64_t n = 0; n < nodes; ++n)
      for (int64_t j = 0; j < 2 + n; ++j, ++e) {
        if (e >= static_cast<int64_t>(choice.size()) || choice[static_cast<size_t>(e)] < 0 ||
            choice[static_cast<size_t>(e)] >= static_cast<int64_t>(ops.size()))
          throw Error("export: model.json's choice does not cover edge " + str(e) + " of cell " + str(i));
        const int64_t k = choice[static_cast<size_t>(e)];
        const std::string edge = from + ".edge" + str(e);
        for (size_t o = 0; o < ops.size(); ++o)
          if (static_cast<int64_t>(o) != k) w.drop_prefix(edge + "." + ops[o]);  // candidates it never runs
        darts_op(w, ops[static_cast<size_t>(k)], reduction && j < 2 ? 2 : 1, edge + "." + ops[static_cast<size_t>(k)],
                 to + "._ops." + str(e) + "._ops." + str(k), true, out);
      }
    reduction_prev = reduction;
  }
  w.move_prefix("classifier", "classifier", out);
  return ex;
}

}  // namespace nas::host
