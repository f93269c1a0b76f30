#include "rnn/shared_rnn.hpp"

#include <algorithm>

#include <ATen/ATen.h>

#include "nashost/error.hpp"
#include "nashost/nn/limits.hpp"
#include "nashost/nn/recurrent_weight.hpp"
#include "rnn/timestep_batch_norm.hpp"

namespace nas::enas {

namespace {
/// The stock activation an op set's op is, judged by its name and by its values on a probe
/// (an op set may give a name another meaning); nullopt: the general path runs it.
std::optional<StockActivation> stock_kind(const std::string& name, Op& op) {
  const auto kind = stock_activation(name);
  if (!kind) return std::nullopt;
  at::NoGradGuard no_grad;
  const at::Tensor x = at::linspace(-4.0, 4.0, 33, at::kDouble);
  const at::Tensor expected = x.clone();
  activate_(expected, *kind);  // what the fused path would compute
  try {
    const at::Tensor y = op.forward(x);
    if (y.sizes() == x.sizes() && y.scalar_type() == x.scalar_type() && at::equal(y, expected)) return kind;
  } catch (const std::exception&) {  // an op that cannot take the probe is not a stock one
  }
  return std::nullopt;
}
}  // namespace

Json SharedRnnConfig::to_json() const {
  return Json{{"vocab", vocab},
              {"embed", embed},
              {"hidden", hidden},
              {"num_blocks", num_blocks},
              {"tie_weights", tie_weights},
              {"dropoute", dropoute},
              {"dropouti", dropouti},
              {"dropout", dropout},
              {"wdrop", wdrop},
              {"init_range", init_range},
              {"max_hidden_norm", max_hidden_norm}};
}

SharedRnnConfig SharedRnnConfig::from_json(const Json& j) {
  SharedRnnConfig c;
  c.vocab = j.at("vocab").get<int64_t>();
  c.embed = j.at("embed").get<int64_t>();
  c.hidden = j.at("hidden").get<int64_t>();
  c.num_blocks = j.at("num_blocks").get<int>();
  c.tie_weights = j.at("tie_weights").get<bool>();
  c.dropoute = j.at("dropoute").get<double>();
  c.dropouti = j.at("dropouti").get<double>();
  c.dropout = j.at("dropout").get<double>();
  c.wdrop = j.at("wdrop").get<double>();
  c.init_range = j.at("init_range").get<double>();
  c.max_hidden_norm = j.at("max_hidden_norm").get<double>();
  return c;
}

std::vector<Edge> dag_edges(const Dag& dag) {
  std::vector<Edge> out;
  for (int j = 1; j < static_cast<int>(dag.size()); ++j)
    if (!is_removed(dag[j])) out.emplace_back(dag[j].parent, j);
  return out;
}

SharedRnnImpl::SharedRnnImpl(SharedRnnConfig config, const OperationSet& ops, std::optional<std::vector<Edge>> edges)
    : config_(std::move(config)) {
  const int64_t e = config_.embed, h = config_.hidden, v = config_.vocab;
  if (config_.tie_weights && e != h)
    throw ConfigError("tie_weights needs embed == hidden (got embed " + std::to_string(e) + ", hidden " +
                      std::to_string(h) + ")");
  if (v <= 0 || e <= 0 || h <= 0 || config_.num_blocks < 1)
    throw ConfigError("shared RNN: vocab, embed, hidden and num_blocks must be positive");
  // Configs also come from model files and genotypes (num_blocks = DAG size): bound them
  // before allocating (nashost/nn/limits.hpp).
  if (e > nn::kMaxHidden || h > nn::kMaxHidden || config_.num_blocks > nn::kMaxNodes)
    throw ConfigError("shared RNN: embed " + std::to_string(e) + " and hidden " + std::to_string(h) +
                      " must be at most " + std::to_string(nn::kMaxHidden) + ", num_blocks " +
                      std::to_string(config_.num_blocks) + " at most " + std::to_string(nn::kMaxNodes));
  for (const auto& name : ops.ops()) {
    activations_.push_back(ops.make(name, OpArgs{}));
    activation_names_.push_back(name);
    stock_activations_.push_back(stock_kind(name, *activations_.back()));
    register_module("act_" + name, activations_.back());
  }
  encoder_ = register_parameter("encoder", at::empty({v, e}));
  w_x_ = register_parameter("w_x", at::empty({2 * h, e}));
  b_x_ = register_parameter("b_x", at::empty({2 * h}));
  w_rec_ = register_parameter("w_rec", at::empty({2 * h, h}));
  std::vector<Edge> pairs;
  if (edges) {
    pairs = *edges;
  } else {
    for (int j = 1; j < config_.num_blocks; ++j)
      for (int i = 0; i < j; ++i) pairs.emplace_back(i, j);
  }
  for (const auto& [i, j] : pairs) {
    if (i < 0 || i >= j || j >= config_.num_blocks)
      throw Error("shared RNN: invalid edge " + std::to_string(i) + "->" + std::to_string(j));
    if (!edges_.count({i, j}))
      edges_[{i, j}] = register_parameter("edge_" + std::to_string(i) + "_" + std::to_string(j), at::empty({2 * h, h}));
  }
  // Always built (carpedm20 builds it only in train mode, so its checkpoints fail to load elsewhere).
  bn_ = register_module("bn", torch::nn::BatchNorm1d(h));
  decoder_bias_ = register_parameter("decoder_bias", at::empty({v}));
  if (!config_.tie_weights) decoder_ = register_parameter("decoder", at::empty({v, h}));
  reset_parameters();
}

void SharedRnnImpl::reset_parameters() {
  at::NoGradGuard no_grad;
  for (auto& p : parameters()) p.uniform_(-config_.init_range, config_.init_range);
  decoder_bias_.zero_();
  bn_->reset_parameters();
  bn_->reset_running_stats();
}

at::Tensor SharedRnnImpl::init_hidden(int64_t batch) const {
  return at::zeros({batch, config_.hidden}, encoder_.options().requires_grad(false));
}

at::Tensor& SharedRnnImpl::edge_weight(int parent, int child) {
  auto it = edges_.find({parent, child});
  if (it == edges_.end())
    throw Error("shared RNN: this model has no weights for edge " + std::to_string(parent) + "->" +
                std::to_string(child) + " (a model built for another DAG?)");
  return it->second;
}

int64_t SharedRnnImpl::dag_param_count(const Dag& dag) const {
  const int64_t h = config_.hidden;
  int64_t n = encoder_.numel() + w_x_.numel() + b_x_.numel() + w_rec_.numel() + decoder_bias_.numel() + 2 * h;
  if (decoder_.defined()) n += decoder_.numel();
  n += static_cast<int64_t>(dag_edges(dag).size()) * 2 * h * h;
  return n;
}

namespace {
// Variational dropout: one mask per sequence, shared over time (dim 0).
at::Tensor locked_dropout(const at::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  at::Tensor mask = at::empty({1, x.size(1), x.size(2)}, x.options()).bernoulli_(1 - p) / (1 - p);
  return x * mask;
}
}  // namespace

std::pair<at::Tensor, at::Tensor> SharedRnnImpl::cell_step(
    const at::Tensor& x_proj, const at::Tensor& h_rec, const at::Tensor& h_prev, const Dag& dag,
    const std::vector<int>& leaf_ids, const std::vector<Op*>& node_ops,
    const std::vector<std::optional<nn::RecurrentWeight>>& node_weights) {
  const int64_t h = config_.hidden;
  const int n = static_cast<int>(dag.size());
  std::vector<at::Tensor> states(n);
  auto act = [&](int node) -> Op& { return *node_ops[node]; };
  // The per-timestep loop is bound by op count on a GPU, hence: `split` (its backward is one
  // cat; two `narrow`s cost a zero-filled tensor and a copy each) and the gate
  // c·f(x) + (1 − c)·h as lerp(h, f(x), c): one op, and a backward of a few kernels where
  // h + c·(f(x) − h) with addcmul took 2 ops and a backward of 15 (its scalar factor is
  // converted to a tensor and copied twice): 15 % fewer ops per shared step.
  const auto pre = at::split(x_proj + h_rec, h, 1);  // [gate | candidate]
  states[0] = at::lerp(h_prev, act(0).forward(pre[1]), at::sigmoid(pre[0]));
  for (int j = 1; j < n; ++j) {
    if (is_removed(dag[j])) continue;
    const at::Tensor& parent = states[dag[j].parent];
    const auto proj = at::split(node_weights[static_cast<size_t>(j)]->apply(parent), h, 1);
    states[j] = at::lerp(parent, act(j).forward(proj[1]), at::sigmoid(proj[0]));
  }
  std::vector<at::Tensor> leaf_states;
  for (int l : leaf_ids) leaf_states.push_back(states[l]);
  at::Tensor out = leaf_states.size() == 1 ? leaf_states[0] : at::stack(leaf_states, 0).mean(0);
  return {out, states[n - 1]};
}

SharedRnnImpl::Output SharedRnnImpl::forward(const at::Tensor& input, const at::Tensor& hidden, const Dag& dag) {
  validate_dag(dag, activation_names_, "shared RNN");
  if (static_cast<int>(dag.size()) > config_.num_blocks)
    throw Error("shared RNN: DAG has " + std::to_string(dag.size()) + " nodes, the model only " +
                std::to_string(config_.num_blocks));
  // Fails here, before any work, if the model lacks an edge of the DAG.
  std::vector<at::Tensor> edge_ws;
  for (const auto& [i, j] : dag_edges(dag)) edge_ws.push_back(edge_weight(i, j));

  const bool train = is_training();
  const int64_t h = config_.hidden;
  at::Tensor enc = encoder_;
  if (train && config_.dropoute > 0) {  // drop whole vocabulary rows
    at::Tensor mask =
        at::empty({enc.size(0), 1}, enc.options()).bernoulli_(1 - config_.dropoute) / (1 - config_.dropoute);
    enc = enc * mask;
  }
  at::Tensor emb = at::embedding(enc, input);  // [T, B, E]
  emb = locked_dropout(emb, config_.dropouti, train);
  at::Tensor x_proj = at::linear(emb, w_x_, b_x_);  // [T, B, 2H]
  at::Tensor w_rec = (train && config_.wdrop > 0) ? at::dropout(w_rec_, config_.wdrop, true) : w_rec_;

  // The stock activations run as one autograd node per sequence (rnn/fused_recurrence.hpp).
  const std::optional<RecurrencePlan> plan =
      fused_ ? RecurrencePlan::make(dag, activation_names_, stock_activations_) : std::nullopt;
  RecurrenceResult rec_out;
  if (plan) {
    rec_out = fused_recurrence(*plan, x_proj, hidden, w_rec, edge_ws, config_.max_hidden_norm);
  } else {
    rec_out = general_recurrence(x_proj, hidden, w_rec, dag);
  }
  // [B, T, H] -> [T, B, H]
  at::Tensor out = timestep_batch_norm(rec_out.leaf_mean, *bn_).transpose(0, 1);
  out = locked_dropout(out, config_.dropout, train);
  at::Tensor flat = out.reshape({-1, h});
  at::Tensor logits = at::linear(flat, config_.tie_weights ? encoder_ : decoder_, decoder_bias_);
  return {logits, rec_out.next_hidden};
}

RecurrenceResult SharedRnnImpl::general_recurrence(const at::Tensor& x_proj, const at::Tensor& hidden,
                                                   const at::Tensor& w_rec, const Dag& dag) {
  // Each recurrent weight is used once per timestep: its gradient is one GEMM over all
  // timesteps instead of one per timestep (nashost/nn/recurrent_weight.hpp).
  std::vector<std::optional<nn::RecurrentWeight>> node_weights(dag.size());
  for (const auto& [i, j] : dag_edges(dag)) node_weights[static_cast<size_t>(j)].emplace(edge_weight(i, j));
  const nn::RecurrentWeight rec(w_rec);
  const auto leaf_ids = leaves(dag);
  std::vector<Op*> node_ops(dag.size(), nullptr);
  for (size_t i = 0; i < dag.size(); ++i) {
    if (is_removed(dag[i])) continue;
    auto it = std::find(activation_names_.begin(), activation_names_.end(), dag[i].activation);
    node_ops[i] = activations_[it - activation_names_.begin()].get();
  }
  at::Tensor hcur = hidden;
  std::vector<at::Tensor> outputs;
  outputs.reserve(x_proj.size(0));
  for (int64_t t = 0; t < x_proj.size(0); ++t) {
    at::Tensor h_rec = rec.apply(hcur);
    auto [out_t, next] = cell_step(x_proj[t], h_rec, hcur, dag, leaf_ids, node_ops, node_weights);
    outputs.push_back(out_t);
    // Hidden-norm clamp (carpedm20, added after forward explosions at lr 20): a constant factor.
    at::Tensor factor;
    {
      at::NoGradGuard no_grad;
      at::Tensor norms = next.norm(2, {1}, true);
      factor = at::clamp_max(config_.max_hidden_norm / (norms + 1e-12), 1.0);
    }
    hcur = next * factor;
  }
  return {at::stack(outputs, 1), hcur};
}

}  // namespace nas::enas
