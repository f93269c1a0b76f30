#pragma once
// Language-model data plumbing (carpedm20 data/text.py + utils.batchify): a token stream
// cut into B contiguous columns ([rows, B]); chunk i feeds rows [i, i+L) and predicts
// rows [i+1, i+1+L), L = min(bptt, rows-1-i).
#include <cstdint>
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "rnn/rnn_dag.hpp"
#include "nashost/dataset.hpp"
#include "rnn/shared_rnn.hpp"

namespace nas::enas {

/// The split's tokens; DataError naming the dataset and split if it has none or too few.
at::Tensor lm_tokens(const Dataset& data, Split split, int64_t min_tokens);
/// Drops the tail so the length is a multiple of `batch`; returns [rows, batch] on `device`.
at::Tensor batchify(const at::Tensor& tokens, int64_t batch, c10::Device device);

struct Chunk {
  at::Tensor input;   ///< [L, B]
  at::Tensor target;  ///< [L*B]
};
Chunk chunk_at(const at::Tensor& rows, int64_t i, int64_t bptt);

/// Full-set perplexity of `dag` (eval mode, zero initial hidden carried across chunks,
/// no grad): exp(sum of token CE / number of targets). The model's mode is restored.
/// `max_chunks` > 0 stops early (derive's single-minibatch score uses 1).
double evaluate_ppl(SharedRnnImpl& model, const at::Tensor& rows, const Dag& dag, int64_t bptt, int64_t max_chunks = 0);

}  // namespace nas::enas
