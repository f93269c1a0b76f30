// The ENAS networks: the RNN cell under carpedm20/ENAS-pytorch's names (models/shared_rnn.py);
// the CNNs under nashost's own names, as no PyTorch reference exists for them (the authors'
// code is TensorFlow). The model files keep the weights in a sub-archive "model".
#include <ATen/ATen.h>

#include "exporters.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype.hpp"

namespace nas::host {

namespace {

/// carpedm20 keeps the W^h/W^c of node pairs (i, j), i < j < N, in one ModuleList each,
/// ordered by i then j: this is the position of (i, j).
int64_t pair_index(int64_t i, int64_t j, int64_t n) {
  int64_t k = 0;
  for (int64_t a = 0; a < i; ++a) k += n - 1 - a;
  return k + (j - i - 1);
}

/// nashost stacks gate rows first ([W_c; W_h], nashost/shared_rnn.hpp); carpedm20 keeps two.
/// Views, not copies: import fills a model file through them (model_import.cpp).
std::pair<at::Tensor, at::Tensor> gate_and_candidate(const at::Tensor& stacked, int64_t h) {
  return {stacked.narrow(0, 0, h), stacked.narrow(0, h, h)};
}

}  // namespace

ExportedModel export_enas_rnn(const Json& card, WeightMap& w) {
  const Json& c = card.at("config");
  const Genotype g = genotype_from_json(card.at("genotype"));
  const int64_t h = c.at("hidden").get<int64_t>(), n = c.at("num_blocks").get<int64_t>();
  ExportedModel ex;
  ex.names = "carpedm20/ENAS-pytorch RNN (models/shared_rnn.py), only the edges of the cell";
  ex.config = Json{{"num_tokens", c.at("vocab")},
                   {"shared_embed", c.at("embed")},
                   {"shared_hid", h},
                   {"num_blocks", n},
                   {"tie_weights", c.at("tie_weights")},
                   {"max_hidden_norm", c.at("max_hidden_norm")},
                   {"activations", c.at("activations")},
                   {"dropout", Json{{"dropoute", c.at("dropoute")},
                                    {"dropouti", c.at("dropouti")},
                                    {"dropout", c.at("dropout")},
                                    {"wdrop", c.at("wdrop")}}}};
  NamedTensors& out = ex.weights;
  out.emplace_back("encoder.weight", w.take("model.encoder"));
  const auto [xc, xh] = gate_and_candidate(w.take("model.w_x"), h);
  const auto [bc, bh] = gate_and_candidate(w.take("model.b_x"), h);
  out.emplace_back("w_xc.weight", xc);
  out.emplace_back("w_xc.bias", bc);
  out.emplace_back("w_xh.weight", xh);
  out.emplace_back("w_xh.bias", bh);
  const auto [hc, hh] = gate_and_candidate(w.take("model.w_rec"), h);
  out.emplace_back("w_hc_raw", hc);
  out.emplace_back("w_hh_raw", hh);
  for (int64_t j = 1; j < static_cast<int64_t>(g.dag.size()); ++j) {
    const int64_t i = g.dag[static_cast<size_t>(j)].parent;
    if (g.dag[static_cast<size_t>(j)].activation == "none") continue;  // a removed node has no edge
    const auto [ec, eh] = gate_and_candidate(w.take("model.edge_" + std::to_string(i) + "_" + std::to_string(j)), h);
    const std::string k = std::to_string(pair_index(i, j, n));
    out.emplace_back("_w_c." + k + ".weight", ec);
    out.emplace_back("_w_h." + k + ".weight", eh);
  }
  w.move_prefix("model.bn", "batch_norm", out);
  out.emplace_back("decoder.bias", w.take("model.decoder_bias"));
  // Tied: the file holds the embedding once (safetensors refuses shared storage);
  // nashost_torch's RNN ties decoder.weight to encoder.weight when loading.
  if (!c.at("tie_weights").get<bool>()) out.emplace_back("decoder.weight", w.take("model.decoder"));
  return ex;
}

namespace {

ExportedModel own_names(const Json& card, WeightMap& w, const char* names) {
  ExportedModel ex;
  ex.names = names;
  ex.config = card.at("config");
  w.move_under("model", ex.weights);
  return ex;
}

}  // namespace

ExportedModel export_enas_cnn_micro(const Json& card, WeightMap& w) {
  return own_names(card, w, "nashost's own (plugins/search_enas/src/shared_cnn.cpp): no PyTorch reference exists");
}

ExportedModel export_enas_cnn_macro(const Json& card, WeightMap& w) {
  return own_names(card, w, "nashost's own (plugins/search_enas/src/macro_cnn.cpp): no PyTorch reference exists");
}

}  // namespace nas::host
