#include "rnn/rnn_shared_training.hpp"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "rnn/lm_data.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/error.hpp"

namespace nas::enas {

SharedTrainOptions SharedTrainOptions::from(const Config& c) {
  SharedTrainOptions o;
  o.optim = c.get_string("shared_optim");
  if (o.optim != "sgd" && o.optim != "adam")
    throw ConfigError(c.full_key("shared_optim") + ": unknown '" + o.optim + "'; valid: sgd, adam");
  o.lr = c.get_float("shared_lr");
  o.l2 = c.get_float("shared_l2");
  o.grad_clip = c.get_float("shared_grad_clip");
  o.decay = c.get_float("shared_decay");
  o.decay_after = c.get_int("shared_decay_after");
  o.bptt = c.get_int("bptt");
  if (o.bptt < 1) throw ConfigError(c.full_key("bptt") + " must be at least 1");
  return o;
}

std::unique_ptr<torch::optim::Optimizer> make_shared_optimizer(SharedRnnImpl& model, const SharedTrainOptions& o) {
  if (o.optim == "adam")
    return std::make_unique<torch::optim::Adam>(model.parameters(), torch::optim::AdamOptions(o.lr).weight_decay(o.l2));
  return std::make_unique<torch::optim::SGD>(model.parameters(), torch::optim::SGDOptions(o.lr).weight_decay(o.l2));
}

double lr_for_epoch(const SharedTrainOptions& o, int64_t epoch) {
  return o.lr * std::pow(o.decay, static_cast<double>(std::max<int64_t>(0, epoch - o.decay_after)));
}

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

double shared_step(SharedRnnImpl& model, torch::optim::Optimizer& optimizer, TokenStream& stream,
                   const std::vector<Dag>& dags, const SharedTrainOptions& o, const nn::DataParallel* parallel) {
  if (stream.cursor + 1 >= stream.rows.size(0)) {
    stream.cursor = 0;
    stream.hidden = at::Tensor();
  }
  if (!stream.hidden.defined()) stream.hidden = model.init_hidden(stream.rows.size(1));
  optimizer.zero_grad();
  const nn::DataParallel whole = nn::DataParallel::single_process();  // the plain step
  const nn::DataParallel& split = parallel != nullptr ? *parallel : whole;
  // Columns of the token rows are the batch: shard k takes its columns and their hidden rows.
  std::vector<std::pair<int64_t, at::Tensor>> next_hidden;  // (first column, hidden rows)
  const auto shard_loss = [&](int k) {
    const auto [begin, end] = split.shard_range(stream.rows.size(1), k);
    const Chunk c = chunk_at(stream.rows.narrow(1, begin, end - begin), stream.cursor, o.bptt);
    const at::Tensor hidden = stream.hidden.narrow(0, begin, end - begin);
    at::Tensor loss, last_hidden;
    for (const auto& dag : dags) {
      auto out = model.forward(c.input, hidden, dag);
      at::Tensor l = at::cross_entropy_loss(out.logits, c.target);
      loss = loss.defined() ? loss + l : l;
      last_hidden = out.hidden;
    }
    next_hidden.emplace_back(begin, last_hidden.detach());
    return loss / static_cast<double>(dags.size());
  };
  const double value = split.backward(shard_loss, model.parameters());
  if (!std::isfinite(value))
    throw NumericError("ENAS shared RNN: loss is " + std::to_string(value) + " at train row " +
                       std::to_string(stream.cursor) + "; lower shared_lr or shared_grad_clip");
  if (o.grad_clip > 0) nn::clip_grad_norm(model.parameters(), o.grad_clip);
  nn::optimizer_step(optimizer);
  if (next_hidden.size() == 1 && next_hidden[0].second.size(0) == stream.hidden.size(0)) {
    stream.hidden = next_hidden[0].second;
  } else {
    stream.hidden = stream.hidden.clone();  // other ranks' columns keep their (unused) values
    for (const auto& [begin, h] : next_hidden) stream.hidden.narrow(0, begin, h.size(0)).copy_(h);
  }
  stream.cursor += o.bptt;
  return value;
}

double shared_step_graphed(nn::StepGraph& graph, SharedRnnImpl& model, torch::optim::Optimizer& optimizer,
                           TokenStream& stream, const Dag& dag, const SharedTrainOptions& o, double lr) {
  auto* sgd = dynamic_cast<torch::optim::SGD*>(&optimizer);
  if (sgd == nullptr) throw Error("ENAS shared RNN: cuda_graph needs shared_optim = \"sgd\"");
  if (stream.cursor + 1 >= stream.rows.size(0)) {
    stream.cursor = 0;
    stream.hidden = at::Tensor();
  }
  if (!stream.hidden.defined()) stream.hidden = model.init_hidden(stream.rows.size(1));
  const Chunk c = chunk_at(stream.rows, stream.cursor, o.bptt);
  const auto params = model.parameters();
  const auto out = graph.run(
      {c.input, c.target, stream.hidden,
       at::scalar_tensor(lr, at::TensorOptions().device(params.front().device()).dtype(params.front().scalar_type()))},
      [&](const std::vector<at::Tensor>& in) {
        optimizer.zero_grad();
        const auto f = model.forward(in[0], in[2], dag);
        const at::Tensor loss = at::cross_entropy_loss(f.logits, in[1]);
        loss.backward();
        if (o.grad_clip > 0) nn::clip_grad_norm(params, o.grad_clip);
        nn::sgd_step(*sgd, in[3]);
        return std::vector<at::Tensor>{loss.detach(), f.hidden.detach()};
      });
  const double value = out[0].item<double>();
  if (!std::isfinite(value))
    throw NumericError("ENAS shared RNN: loss is " + std::to_string(value) + " at train row " +
                       std::to_string(stream.cursor) + "; lower shared_lr or shared_grad_clip");
  stream.hidden = out[1];  // a replay's output: the next run copies it into its input first
  stream.cursor += o.bptt;
  return value;
}

}  // namespace nas::enas
