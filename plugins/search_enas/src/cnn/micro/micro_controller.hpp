#pragma once
// The ENAS micro-space controller (authors' melodyguan/enas src/cifar10/micro_controller.py;
// carpedm20 and the fork have only a stub). One LSTMCell (64 units, 1 layer) samples the
// normal cell, then — continuing from its last state — the reduction cell. Per cell:
//   two steps on the learned start embedding g_emb give the anchors of the cell inputs
//   (zero vectors) and their attention keys; then for each node: two input choices by
//   attention over the anchors so far (logits = v · tanh(W1 anchor_j + W2 h)), the chosen
//   anchor is the next LSTM input; two op choices by a linear head (bias initialised to
//   [10, 10, 0, 0, 0]), the op's embedding is the next input; one more step whose output
//   is the node's anchor; the next node starts again from g_emb.
// Logits: / temperature (0 = off, the authors' micro default), then tanh_c * tanh(.) for
// inputs and (tanh_c / op_tanh_reduce) * tanh(.) for ops (tanh_c 0 = off). Normal-cell op
// logits get the authors' constant bias [0.25, 0.25, -0.25, ...] (use_bias=True).
// Decisions per sample: 2 cells x B nodes x 4, in sampling order (x_in, y_in, x_op, y_op).
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>

#include "cnn/micro/micro_arc.hpp"

namespace nas::enas {

struct CnnControllerConfig {
  int num_nodes = 5;
  int num_ops = 5;
  int hidden = 64;
  double temperature = 0.0;
  double tanh_c = 1.10;
  double op_tanh_reduce = 2.5;
  double init_range = 0.1;
  bool uniform = false;  ///< train_type random: every decision uniform, no parameters used
};

struct CnnControllerSample {
  std::vector<CnnArc> arcs;
  at::Tensor log_probs;  ///< [B, D]
  at::Tensor entropies;  ///< [B, D]
};

class CnnControllerImpl : public torch::nn::Module {
 public:
  explicit CnnControllerImpl(CnnControllerConfig config);
  CnnControllerSample sample(int64_t batch);
  int64_t num_decisions() const { return 2LL * config_.num_nodes * 4; }
  const CnnControllerConfig& config() const { return config_; }

 private:
  struct State {
    at::Tensor h, c;
  };
  /// Samples one cell for the whole batch; appends to logps/ents; returns [B, 4*nodes] ids.
  at::Tensor sample_cell(State& st, bool op_bias, std::vector<at::Tensor>& logps, std::vector<at::Tensor>& ents);
  at::Tensor choose(const at::Tensor& logits, std::vector<at::Tensor>& logps, std::vector<at::Tensor>& ents);

  CnnControllerConfig config_;
  torch::nn::LSTMCell lstm_{nullptr};
  at::Tensor g_emb_;
  torch::nn::Embedding op_emb_{nullptr};
  torch::nn::Linear op_head_{nullptr}, attn1_{nullptr}, attn2_{nullptr}, attn_v_{nullptr};
};
TORCH_MODULE(CnnController);

}  // namespace nas::enas
