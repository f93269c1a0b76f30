#include "rnn/lm_data.hpp"

#include <cmath>

#include <ATen/ATen.h>

#include "nashost/error.hpp"

namespace nas::enas {

at::Tensor lm_tokens(const Dataset& data, Split split, int64_t min_tokens) {
  const auto& info = data.info();
  if (info.task != Task::LanguageModel)
    throw ConfigError("ENAS RNN needs a language-model dataset; '" + info.name + "' is a " + task_name(info.task) +
                      " dataset");
  at::Tensor t = data.tokens(split).to(at::kLong).reshape({-1});
  if (t.numel() < min_tokens)
    throw DataError("dataset '" + info.name + "' split '" + split_name(split) + "' has " + std::to_string(t.numel()) +
                    " tokens; at least " + std::to_string(min_tokens) + " are needed (batch size x 2)");
  return t;
}

at::Tensor batchify(const at::Tensor& tokens, int64_t batch, c10::Device device) {
  const int64_t rows = tokens.numel() / batch;
  return tokens.narrow(0, 0, rows * batch).view({batch, rows}).t().contiguous().to(device);
}

Chunk chunk_at(const at::Tensor& rows, int64_t i, int64_t bptt) {
  const int64_t len = std::min(bptt, rows.size(0) - 1 - i);
  return {rows.narrow(0, i, len), rows.narrow(0, i + 1, len).reshape({-1})};
}

double evaluate_ppl(SharedRnnImpl& model, const at::Tensor& rows, const Dag& dag, int64_t bptt, int64_t max_chunks) {
  at::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  at::Tensor hidden = model.init_hidden(rows.size(1));
  double total = 0.0;
  int64_t count = 0, chunks = 0;
  for (int64_t i = 0; i + 1 < rows.size(0); i += bptt) {
    Chunk c = chunk_at(rows, i, bptt);
    auto out = model.forward(c.input, hidden, dag);
    hidden = out.hidden;
    total += at::cross_entropy_loss(out.logits, c.target, {}, at::Reduction::Sum).item<double>();
    count += c.target.numel();
    if (max_chunks > 0 && ++chunks >= max_chunks) break;
  }
  model.train(was_training);
  if (count == 0) throw DataError("evaluation split has fewer than 2 rows at this batch size");
  return std::exp(total / static_cast<double>(count));
}

}  // namespace nas::enas
