#include "cnn/micro/micro_controller.hpp"
#include "common/categorical.hpp"
#include "common/fused_lstm_cell.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"

namespace nas::enas {

CnnControllerImpl::CnnControllerImpl(CnnControllerConfig config) : config_(config) {
  if (config_.num_nodes < 1) throw ConfigError("num_blocks (cell nodes) must be at least 1");
  if (config_.num_ops < 1) throw ConfigError("the operation set has no ops");
  if (config_.op_tanh_reduce <= 0) throw ConfigError("op_tanh_reduce must be positive");
  const int h = config_.hidden;
  lstm_ = register_module("lstm", torch::nn::LSTMCell(h, h));
  g_emb_ = register_parameter("g_emb", at::empty({1, h}));
  op_emb_ = register_module("op_emb", torch::nn::Embedding(config_.num_ops, h));
  op_head_ = register_module("op_head", torch::nn::Linear(h, config_.num_ops));
  attn1_ = register_module("attn1", torch::nn::Linear(torch::nn::LinearOptions(h, h).bias(false)));
  attn2_ = register_module("attn2", torch::nn::Linear(torch::nn::LinearOptions(h, h).bias(false)));
  attn_v_ = register_module("attn_v", torch::nn::Linear(torch::nn::LinearOptions(h, 1).bias(false)));
  // Authors' init: U(-0.1, 0.1) everywhere; the op head's bias [10, 10, 0, ...] favours the
  // two separable convolutions at the start.
  torch::NoGradGuard no_grad;
  for (auto& p : parameters()) p.uniform_(-config_.init_range, config_.init_range);
  op_head_->bias.zero_();
  for (int k = 0; k < std::min(2, config_.num_ops); ++k) op_head_->bias[k].fill_(10.0);
}

at::Tensor CnnControllerImpl::choose(const at::Tensor& logits, std::vector<at::Tensor>& logps,
                                     std::vector<at::Tensor>& ents) {
  at::Tensor log_p = at::log_softmax(logits, -1);
  at::Tensor p = log_p.exp();
  at::Tensor action = sample_categorical(p.detach());
  logps.push_back(log_p.gather(1, action.unsqueeze(1)).squeeze(1));
  ents.push_back(-(p * log_p).sum(-1));
  return action;
}

at::Tensor CnnControllerImpl::sample_cell(State& st, bool op_bias, std::vector<at::Tensor>& logps,
                                          std::vector<at::Tensor>& ents) {
  const int64_t batch = st.h.size(0);
  const int n = config_.num_nodes;
  const auto opts = st.h.options();
  at::Tensor ids = at::empty({batch, 4 * n}, opts.dtype(at::kLong));
  if (config_.uniform) {
    for (int i = 0; i < n; ++i) {
      const at::Tensor zeros_in = at::zeros({batch, i + 2}, opts), zeros_op = at::zeros({batch, config_.num_ops}, opts);
      ids.select(1, 4 * i) = choose(zeros_in, logps, ents);
      ids.select(1, 4 * i + 2) = choose(zeros_in, logps, ents);
      ids.select(1, 4 * i + 1) = choose(zeros_op, logps, ents);
      ids.select(1, 4 * i + 3) = choose(zeros_op, logps, ents);
    }
    return ids;
  }
  auto step = [&](const at::Tensor& x) { std::tie(st.h, st.c) = lstm_cell_step(*lstm_, x, st.h, st.c); };
  auto shape = [&](at::Tensor logits, double c) {
    if (config_.temperature > 0) logits = logits / config_.temperature;
    if (config_.tanh_c > 0) logits = c * at::tanh(logits);
    return logits;
  };
  const at::Tensor g = g_emb_.expand({batch, config_.hidden});
  std::vector<at::Tensor> anchors, keys;  // [B, H] each
  at::Tensor x = g;
  for (int k = 0; k < 2; ++k) {
    step(x);
    anchors.push_back(at::zeros_like(st.h));
    keys.push_back(attn1_->forward(st.h));
  }
  at::Tensor bias;
  if (op_bias) {
    std::vector<float> b(static_cast<size_t>(config_.num_ops), -0.25f);
    for (int k = 0; k < std::min(2, config_.num_ops); ++k) b[static_cast<size_t>(k)] = 0.25f;
    bias = at::tensor(b, opts);
  }
  const at::Tensor rows = at::arange(batch, opts.dtype(at::kLong));
  for (int i = 0; i < n; ++i) {
    const at::Tensor anchor_stack = at::stack(anchors, 1), key_stack = at::stack(keys, 1);  // [B, i+2, H]
    for (int s = 0; s < 2; ++s) {
      step(x);
      at::Tensor q = at::tanh(key_stack + attn2_->forward(st.h).unsqueeze(1));
      at::Tensor logits = shape(attn_v_->forward(q).squeeze(-1), config_.tanh_c);
      at::Tensor in = choose(logits, logps, ents);
      ids.select(1, 4 * i + 2 * s) = in;
      x = anchor_stack.index({rows, in});
    }
    for (int s = 0; s < 2; ++s) {
      step(x);
      at::Tensor logits = shape(op_head_->forward(st.h), config_.tanh_c / config_.op_tanh_reduce);
      if (op_bias) logits = logits + bias;
      at::Tensor op = choose(logits, logps, ents);
      ids.select(1, 4 * i + 2 * s + 1) = op;
      x = op_emb_->forward(op);
    }
    step(x);
    anchors.push_back(st.h);
    keys.push_back(attn1_->forward(st.h));
    x = g;
  }
  return ids;
}

CnnControllerSample CnnControllerImpl::sample(int64_t batch) {
  const auto opts = g_emb_.options();
  State st{at::zeros({batch, config_.hidden}, opts), at::zeros({batch, config_.hidden}, opts)};
  std::vector<at::Tensor> logps, ents;
  at::Tensor normal = sample_cell(st, true, logps, ents).cpu();
  at::Tensor reduce = sample_cell(st, false, logps, ents).cpu();  // continues from the normal cell's state
  CnnControllerSample out;
  out.log_probs = at::stack(logps, 1);
  out.entropies = at::stack(ents, 1);
  check_finite_log_probs(out.log_probs, "enas-cnn controller");
  for (int64_t b = 0; b < batch; ++b) {
    CnnArc a;
    for (int64_t k = 0; k < normal.size(1); ++k) {
      a.normal.seq.push_back(static_cast<int>(normal[b][k].item<int64_t>()));
      a.reduce.seq.push_back(static_cast<int>(reduce[b][k].item<int64_t>()));
    }
    out.arcs.push_back(std::move(a));
  }
  return out;
}

}  // namespace nas::enas
