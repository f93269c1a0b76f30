#pragma once
// The ENAS macro-space controller (docs/methods.md, ENAS, the authors' macro controller; no
// reference PyTorch code exists). One LSTMCell (64 units, 1 layer); per layer i:
//   step on the current input -> op logits (linear head over the 6 ops) -> sample the op;
//   step on the op's embedding -> for i > 0, i independent skip decisions: attention
//   score s_j = v . tanh(W1 anchor_j + W2 h) over the earlier layers' anchors, two logits
//   (-s_j, s_j), i.e. P(skip) = sigmoid(2 s_j); the next input is the mean of the selected
//   anchors, divided by 1 + count so that no selection gives a zero input (layer 0: the
//   learned start embedding g_emb); this step's output is layer i's anchor.
// Logits: / temperature (0 = off), then tanh_c * tanh(.) (tanh_c 0 = off); 1.5 for both
// heads in the authors' space. Decisions per sample, in sampling (= flat arc) order:
// per layer the op, then its i skip bits: L + L(L-1)/2 in all.
// The skip penalty of a sample is sum over its skip decisions of KL(P(skip) || skip_target);
// the search adds skip_weight times it to the controller loss (authors: 0.8, target 0.4).
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>

#include "cnn/macro/macro_arc.hpp"

namespace nas::enas {

struct MacroControllerConfig {
  int num_layers = 12;
  int hidden = 64;
  double temperature = 0.0;
  double tanh_c = 1.5;
  double skip_target = 0.4;
  double init_range = 0.1;
  bool uniform = false;  ///< train_type random: every decision uniform (skips 1/2), no parameters used
};

struct MacroControllerSample {
  std::vector<MacroArc> arcs;
  at::Tensor log_probs;     ///< [B, D]
  at::Tensor entropies;     ///< [B, D]
  at::Tensor skip_penalty;  ///< [B]: summed KL(P(skip) || skip_target); differentiable
};

/// KL(Bernoulli(p) || Bernoulli(target)) summed over all elements of `p`.
at::Tensor skip_kl_penalty(const at::Tensor& p, double target);

class MacroControllerImpl : public torch::nn::Module {
 public:
  explicit MacroControllerImpl(MacroControllerConfig config);
  MacroControllerSample sample(int64_t batch);
  int64_t num_decisions() const { return macro_seq_length(config_.num_layers); }
  const MacroControllerConfig& config() const { return config_; }

 private:
  at::Tensor shape(at::Tensor logits) const;

  MacroControllerConfig config_;
  torch::nn::LSTMCell lstm_{nullptr};
  at::Tensor g_emb_;
  torch::nn::Embedding op_emb_{nullptr};
  torch::nn::Linear op_head_{nullptr}, attn1_{nullptr}, attn2_{nullptr}, attn_v_{nullptr};
};
TORCH_MODULE(MacroController);

}  // namespace nas::enas
