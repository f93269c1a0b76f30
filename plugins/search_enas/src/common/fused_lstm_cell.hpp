#pragma once
// One step of a torch::nn::LSTMCell as a single autograd node: the ENAS controllers run
// their cell once per decision (23 per RNN-cell sample), and LibTorch's composite lstm_cell
// costs ~40 ATen ops forward (two linears with their transposes, a chunk into four views of
// three ops each, ...) and ~60 backward. Here: two GEMMs into one gate buffer, the gates
// activated in place through strided views, and a written-out backward — ~20 ops each way.
// Same function as LSTMCell::forward; float64 tests hold the two equal to rounding.
#include <utility>

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/rnn.h>

namespace nas::enas {

/// (h', c') = cell(x, (h, c)); x [B, input], h and c [B, hidden]. Differentiable in x, h, c and
/// the cell's parameters (first derivatives); the cell must have biases.
std::pair<at::Tensor, at::Tensor> lstm_cell_step(torch::nn::LSTMCellImpl& cell, const at::Tensor& x,
                                                 const at::Tensor& h, const at::Tensor& c);

}  // namespace nas::enas
