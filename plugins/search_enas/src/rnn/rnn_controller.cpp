#include "rnn/rnn_controller.hpp"
#include "common/categorical.hpp"
#include "common/fused_lstm_cell.hpp"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include "nashost/error.hpp"

namespace nas::enas {

TrainType parse_train_type(const std::string& name) {
  if (name == "orig") return TrainType::Orig;
  if (name == "flexible") return TrainType::Flexible;
  if (name == "hardcoded") return TrainType::Hardcoded;
  if (name == "random") return TrainType::Random;
  throw ConfigError("train_type: unknown '" + name + "'; valid: orig, flexible, hardcoded, random");
}

const char* train_type_name(TrainType type) {
  switch (type) {
    case TrainType::Orig:
      return "orig";
    case TrainType::Flexible:
      return "flexible";
    case TrainType::Hardcoded:
      return "hardcoded";
    case TrainType::Random:
      return "random";
  }
  return "?";
}

ControllerImpl::ControllerImpl(ControllerConfig config) : config_(std::move(config)) {
  const int n = config_.num_blocks;
  const auto a = static_cast<int64_t>(config_.activations.size());
  if (n < 1) throw ConfigError("num_blocks must be at least 1");
  if (config_.train_type == TrainType::Flexible && n < 3)
    throw ConfigError("num_blocks must be at least 3 for train_type flexible (node counts 3..num_blocks)");
  if (config_.train_type == TrainType::Hardcoded) fixed_parents(config_.architecture, n);  // validates the name

  if (config_.train_type == TrainType::Flexible) {
    // The count is an ordinary decision with its log-prob and entropy in the sample, so
    // REINFORCE trains it (the fork drops both, and its count head never learns). Counts
    // 3..num_blocks as the README says (the fork's code can never reach num_blocks).
    steps_.push_back({Kind::Count, -1});
    classes_.push_back(n - 2);
  }
  for (int k = 0; k < n; ++k) {
    if (k > 0 && config_.train_type != TrainType::Hardcoded) {
      steps_.push_back({Kind::Parent, k});
      classes_.push_back(k);
    }
    steps_.push_back({Kind::Activation, k});
    classes_.push_back(a);
  }
  parent_row0_ = a;
  count_row0_ = a + n;
  const int64_t rows = a + n + (n - 2 > 0 ? n - 2 : 0);

  lstm_ = register_module("lstm", torch::nn::LSTMCell(config_.hidden, config_.hidden));
  embed_ = register_module("embed", torch::nn::Embedding(rows, config_.hidden));
  for (int64_t c : classes_) heads_->push_back(torch::nn::Linear(config_.hidden, c));
  register_module("heads", heads_);

  // Reference init: every parameter U(-0.1, 0.1), then the head biases zero.
  torch::NoGradGuard no_grad;
  for (auto& p : parameters()) p.uniform_(-config_.init_range, config_.init_range);
  for (auto& head : *heads_) head->as<torch::nn::Linear>()->bias.zero_();
}

at::Tensor ControllerImpl::input_rows(Kind kind, const at::Tensor& action) const {
  switch (kind) {
    case Kind::Activation:
      return action;
    case Kind::Parent:
      return action + parent_row0_;
    case Kind::Count:
      return action + count_row0_;
  }
  return action;
}

ControllerSample ControllerImpl::sample(int64_t batch) {
  const int n = config_.num_blocks;
  const auto dev = embed_->weight.device();
  const auto opts = at::TensorOptions().device(dev);
  at::Tensor x = at::zeros({batch, config_.hidden}, opts);
  at::Tensor h = at::zeros({batch, config_.hidden}, opts);
  at::Tensor c = at::zeros({batch, config_.hidden}, opts);
  // random: explicit uniform draws (the fork samples an untrained controller instead).
  const bool uniform = config_.train_type == TrainType::Random;
  // The temperature and the tanh constant as 0-dim tensors of the logits' type: a number
  // operand costs a conversion to a tensor (four ATen ops) on every use; same products.
  const auto wopts = embed_->weight.options();
  const at::Tensor temperature = at::scalar_tensor(config_.temperature, wopts),
                   tanh_c = at::scalar_tensor(config_.tanh_c, wopts);

  std::vector<at::Tensor> logps, ents, actions;
  for (size_t t = 0; t < steps_.size(); ++t) {
    at::Tensor logits;
    if (uniform) {
      logits = at::zeros({batch, classes_[t]}, opts);
    } else {
      std::tie(h, c) = lstm_cell_step(*lstm_, x, h, c);
      logits = heads_[t]->as<torch::nn::Linear>()->forward(h) / temperature;
      if (config_.tanh_c > 0) logits = at::tanh(logits) * tanh_c;
    }
    at::Tensor log_p = at::log_softmax(logits, -1);
    at::Tensor p = log_p.exp();
    at::Tensor action = sample_categorical(p.detach());
    logps.push_back(log_p.gather(1, action.unsqueeze(1)).squeeze(1));
    ents.push_back(-(p * log_p).sum(-1));
    actions.push_back(action);
    if (!uniform) x = embed_->forward(input_rows(steps_[t].kind, action));
  }

  ControllerSample out;
  out.log_probs = at::stack(logps, 1);
  out.entropies = at::stack(ents, 1);
  check_finite_log_probs(out.log_probs, "enas-rnn controller");
  out.mask = at::ones_like(out.log_probs.detach());
  std::vector<std::vector<int64_t>> acts;
  for (auto& a : actions) {
    a = a.to(at::kCPU);
    acts.emplace_back(a.data_ptr<int64_t>(), a.data_ptr<int64_t>() + batch);
  }
  const auto fixed =
      config_.train_type == TrainType::Hardcoded ? fixed_parents(config_.architecture, n) : std::vector<int>();
  at::Tensor mask_cpu = at::ones({batch, static_cast<int64_t>(steps_.size())});
  for (int64_t b = 0; b < batch; ++b) {
    int count = n;
    Dag dag(n);
    for (size_t t = 0; t < steps_.size(); ++t) {
      const int64_t v = acts[t][b];
      const auto& s = steps_[t];
      if (s.kind == Kind::Count)
        count = 3 + static_cast<int>(v);
      else if (s.kind == Kind::Parent)
        dag[s.node].parent = static_cast<int>(v);
      else
        dag[s.node].activation = config_.activations[v];
      if (s.node >= count) mask_cpu[b][t] = 0.0;
    }
    dag[0].parent = -1;
    if (!fixed.empty())
      for (int k = 0; k < n; ++k) dag[k].parent = fixed[k];
    dag.resize(count);
    out.dags.push_back(std::move(dag));
  }
  out.mask = mask_cpu.to(dev);
  return out;
}

at::Tensor reinforce_loss(const ControllerSample& sample, int64_t index, const at::Tensor& advantage,
                          double entropy_coeff, bool entropy_in_reward) {
  const at::Tensor mask = sample.mask[index];
  at::Tensor loss = -(sample.log_probs[index] * advantage.detach() * mask).sum();
  if (!entropy_in_reward) loss = loss - entropy_coeff * (sample.entropies[index] * mask).sum();
  return loss;
}

}  // namespace nas::enas
