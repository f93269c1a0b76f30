#include "common/fused_lstm_cell.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "nashost/error.hpp"

namespace nas::enas {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// Columns [k·H, (k + n)·H) of the [B, 4H] gate buffer (gate order i, f, g, o): one op.
at::Tensor gate_columns(const at::Tensor& gates, int64_t k, int64_t n, int64_t hidden) {
  return at::as_strided(gates, {gates.size(0), n * hidden}, {gates.stride(0), 1}, gates.storage_offset() + k * hidden);
}

struct Activated {
  at::Tensor gates;  ///< [B, 4H]: sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
  at::Tensor c_next, tanh_c_next, h_next;
};

Activated forward_math(const at::Tensor& x, const at::Tensor& h, const at::Tensor& c, const at::Tensor& w_ih,
                       const at::Tensor& w_hh, const at::Tensor& b_ih, const at::Tensor& b_hh) {
  const int64_t H = h.size(1);
  Activated a;
  a.gates = at::addmm(b_ih, x, w_ih.t());
  a.gates.addmm_(h, w_hh.t()).add_(b_hh);
  gate_columns(a.gates, 0, 2, H).sigmoid_();
  gate_columns(a.gates, 2, 1, H).tanh_();
  const at::Tensor o = gate_columns(a.gates, 3, 1, H).sigmoid_();
  a.c_next = gate_columns(a.gates, 1, 1, H) * c;
  a.c_next.addcmul_(gate_columns(a.gates, 0, 1, H), gate_columns(a.gates, 2, 1, H));
  a.tanh_c_next = at::tanh(a.c_next);
  a.h_next = o * a.tanh_c_next;
  return a;
}

struct LstmCellStep : public torch::autograd::Function<LstmCellStep> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& h, const at::Tensor& c,
                               const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& b_ih,
                               const at::Tensor& b_hh) {
    ctx->set_materialize_grads(false);
    Activated a = forward_math(x, h, c, w_ih, w_hh, b_ih, b_hh);
    ctx->save_for_backward({x, h, c, w_ih, w_hh, a.gates, a.tanh_c_next});
    return {a.h_next, a.c_next};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &h = saved[1], &c = saved[2], &w_ih = saved[3], &w_hh = saved[4], &gates = saved[5],
                     &tanh_c = saved[6];
    const at::Tensor &dh = grad_out[0], &dc_in = grad_out[1];
    if (!dh.defined() && !dc_in.defined())
      return {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    const int64_t H = h.size(1);
    const at::Tensor i = gate_columns(gates, 0, 1, H), f = gate_columns(gates, 1, 1, H),
                     g = gate_columns(gates, 2, 1, H), o = gate_columns(gates, 3, 1, H);
    // h' = o·tanh(c'), c' = f·c + i·g
    at::Tensor d_o, dc;
    if (dh.defined()) {
      d_o = at::sigmoid_backward(dh * tanh_c, o);
      dc = at::tanh_backward(dh * o, tanh_c);
      if (dc_in.defined()) dc.add_(dc_in);
    } else {
      d_o = at::zeros_like(o);
      dc = dc_in;
    }
    const at::Tensor d_gates = at::cat(
        {at::sigmoid_backward(dc * g, i), at::sigmoid_backward(dc * c, f), at::tanh_backward(dc * i, g), d_o}, 1);
    const at::Tensor d_bias = d_gates.sum(0);
    const at::Tensor d_gates_t = d_gates.t();
    auto maybe = [&](size_t input, auto&& make) { return ctx->needs_input_grad(input) ? make() : at::Tensor(); };
    return {maybe(0, [&] { return d_gates.mm(w_ih); }), maybe(1, [&] { return d_gates.mm(w_hh); }),
            maybe(2, [&] { return dc * f; }),           maybe(3, [&] { return d_gates_t.mm(x); }),
            maybe(4, [&] { return d_gates_t.mm(h); }),  maybe(5, [&] { return d_bias; }),
            maybe(6, [&] { return d_bias.clone(); })};  // a gradient tensor of its own for each bias
  }
};

}  // namespace

std::pair<at::Tensor, at::Tensor> lstm_cell_step(torch::nn::LSTMCellImpl& cell, const at::Tensor& x,
                                                 const at::Tensor& h, const at::Tensor& c) {
  if (!cell.bias_ih.defined() || !cell.bias_hh.defined()) throw Error("lstm_cell_step: the cell has no biases");
  const bool needs_grad = x.requires_grad() || h.requires_grad() || c.requires_grad() ||
                          cell.weight_ih.requires_grad() || cell.weight_hh.requires_grad() ||
                          cell.bias_ih.requires_grad() || cell.bias_hh.requires_grad();
  if (torch::autograd::GradMode::is_enabled() && needs_grad) {
    auto out = LstmCellStep::apply(x, h, c, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh);
    return {out[0], out[1]};
  }
  at::NoGradGuard no_grad;
  Activated a = forward_math(x, h, c, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh);
  return {a.h_next, a.c_next};
}

}  // namespace nas::enas
