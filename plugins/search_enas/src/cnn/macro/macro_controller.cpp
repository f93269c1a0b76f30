#include "cnn/macro/macro_controller.hpp"
#include "common/categorical.hpp"
#include "common/fused_lstm_cell.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"

namespace nas::enas {

namespace {
/// Element-wise KL(Bernoulli(p) || Bernoulli(target)); clamped so that a saturated
/// probability gives a large, finite value.
at::Tensor bernoulli_kl(const at::Tensor& p, double target) {
  const at::Tensor q = p.clamp(1e-8, 1.0 - 1e-8);
  return q * at::log(q / target) + (1 - q) * at::log((1 - q) / (1.0 - target));
}
}  // namespace

at::Tensor skip_kl_penalty(const at::Tensor& p, double target) { return bernoulli_kl(p, target).sum(); }

MacroControllerImpl::MacroControllerImpl(MacroControllerConfig config) : config_(config) {
  if (config_.num_layers < 1) throw ConfigError("num_layers (macro layers) must be at least 1");
  if (config_.skip_target <= 0 || config_.skip_target >= 1) throw ConfigError("skip_target must be in (0, 1)");
  const int h = config_.hidden;
  const int ops = static_cast<int>(macro_op_names().size());
  lstm_ = register_module("lstm", torch::nn::LSTMCell(h, h));
  g_emb_ = register_parameter("g_emb", at::empty({1, h}));
  op_emb_ = register_module("op_emb", torch::nn::Embedding(ops, h));
  op_head_ = register_module("op_head", torch::nn::Linear(h, ops));
  attn1_ = register_module("attn1", torch::nn::Linear(torch::nn::LinearOptions(h, h).bias(false)));
  attn2_ = register_module("attn2", torch::nn::Linear(torch::nn::LinearOptions(h, h).bias(false)));
  attn_v_ = register_module("attn_v", torch::nn::Linear(torch::nn::LinearOptions(h, 1).bias(false)));
  torch::NoGradGuard no_grad;  // U(-0.1, 0.1) everywhere, as the micro controller
  for (auto& p : parameters()) p.uniform_(-config_.init_range, config_.init_range);
}

at::Tensor MacroControllerImpl::shape(at::Tensor logits) const {
  if (config_.temperature > 0) logits = logits / config_.temperature;
  if (config_.tanh_c > 0) logits = config_.tanh_c * at::tanh(logits);
  return logits;
}

MacroControllerSample MacroControllerImpl::sample(int64_t batch) {
  const auto opts = g_emb_.options();
  const int64_t hid = config_.hidden;
  at::Tensor h = at::zeros({batch, hid}, opts), c = at::zeros({batch, hid}, opts);
  auto step = [&](const at::Tensor& x) { std::tie(h, c) = lstm_cell_step(*lstm_, x, h, c); };
  const at::Tensor g = g_emb_.expand({batch, hid});
  const int64_t num_ops = static_cast<int64_t>(macro_op_names().size());

  std::vector<at::Tensor> logps, ents, penalties, anchors, keys;  // anchors/keys: [B, H]
  std::vector<at::Tensor> op_ids, skip_ids;                       // [B], [B, i]
  at::Tensor x = g;
  for (int i = 0; i < config_.num_layers; ++i) {
    at::Tensor op_logits;
    if (config_.uniform) {
      op_logits = at::zeros({batch, num_ops}, opts);
    } else {
      step(x);
      op_logits = shape(op_head_->forward(h));
    }
    const at::Tensor op_lp = at::log_softmax(op_logits, -1);
    const at::Tensor op = sample_categorical(op_lp.exp().detach());
    logps.push_back(op_lp.gather(1, op.unsqueeze(1)));
    ents.push_back(-(op_lp.exp() * op_lp).sum(-1, true));
    op_ids.push_back(op);
    if (!config_.uniform) step(op_emb_->forward(op));
    if (i > 0) {
      at::Tensor s;  // [B, i]
      if (config_.uniform) {
        s = at::zeros({batch, i}, opts);
      } else {
        const at::Tensor q = at::tanh(at::stack(keys, 1) + attn2_->forward(h).unsqueeze(1));
        s = attn_v_->forward(q).squeeze(-1);
      }
      const at::Tensor lp = at::log_softmax(shape(at::stack({-s, s}, -1)), -1);  // [B, i, 2]; class 1 = skip
      const at::Tensor p = lp.exp();
      const at::Tensor skip = at::bernoulli(p.select(-1, 1).detach()).to(at::kLong);  // [B, i]
      logps.push_back(lp.gather(2, skip.unsqueeze(2)).squeeze(2));
      ents.push_back(-(p * lp).sum(-1));
      penalties.push_back(bernoulli_kl(p.select(-1, 1), config_.skip_target).sum(1));
      skip_ids.push_back(skip);
      if (!config_.uniform) {
        const at::Tensor sel = skip.to(opts.dtype());
        x = (sel.unsqueeze(-1) * at::stack(anchors, 1)).sum(1) / (1.0 + sel.sum(1, true));
      }
    } else {
      x = g;
    }
    if (!config_.uniform) {
      anchors.push_back(h);
      keys.push_back(attn1_->forward(h));
    }
  }
  MacroControllerSample out;
  out.log_probs = at::cat(logps, 1);
  check_finite_log_probs(out.log_probs, "enas-cnn-macro controller");
  out.entropies = at::cat(ents, 1);
  out.skip_penalty = penalties.empty() ? at::zeros({batch}, opts) : at::stack(penalties, 1).sum(1);
  const at::Tensor ops_cpu = at::stack(op_ids, 1).cpu();
  std::vector<at::Tensor> skips_cpu;
  for (const auto& s : skip_ids) skips_cpu.push_back(s.cpu());
  for (int64_t b = 0; b < batch; ++b) {
    MacroArc a;
    for (int i = 0; i < config_.num_layers; ++i) {
      a.ops.push_back(static_cast<int>(ops_cpu[b][i].item<int64_t>()));
      std::vector<int> bits;
      if (i > 0)
        for (int j = 0; j < i; ++j)
          bits.push_back(static_cast<int>(skips_cpu[static_cast<size_t>(i - 1)][b][j].item<int64_t>()));
      a.skips.push_back(std::move(bits));
    }
    out.arcs.push_back(std::move(a));
  }
  return out;
}

}  // namespace nas::enas
