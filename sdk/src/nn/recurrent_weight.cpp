#include "nashost/nn/recurrent_weight.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace nas::nn {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// One use: forward x·Wᵀ; backward hands on g·W for x and keeps (x, g) for the weight
/// instead of returning gᵀ·x.
struct DeferredUse : public torch::autograd::Function<DeferredUse> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            c10::List<at::Tensor> inputs, c10::List<at::Tensor> grads) {
    ctx->save_for_backward({x, w});
    ctx->saved_data["inputs"] = inputs;
    ctx->saved_data["grads"] = grads;
    return x.mm(w.t());
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& g = grad_out[0];
    at::Tensor grad_x;
    if (g.defined()) {
      ctx->saved_data["inputs"].toTensorList().push_back(saved[0]);
      ctx->saved_data["grads"].toTensorList().push_back(g);
      if (ctx->needs_input_grad(0)) grad_x = g.mm(saved[1]);  // not for e.g. the initial hidden state
    }
    return {grad_x, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

/// Stands between W and its uses; its backward runs after all of theirs and turns the kept
/// pairs into W's gradient with one GEMM.
struct DeferredWeightGrad : public torch::autograd::Function<DeferredWeightGrad> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& w, c10::List<at::Tensor> inputs,
                            c10::List<at::Tensor> grads) {
    ctx->set_materialize_grads(false);
    ctx->saved_data["inputs"] = inputs;
    ctx->saved_data["grads"] = grads;
    return w.clone();  // a tensor of its own (a view of an input would be treated as one)
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto inputs = ctx->saved_data["inputs"].toTensorList();
    auto grads = ctx->saved_data["grads"].toTensorList();
    at::Tensor dw = grad_out[0];  // from uses other than DeferredUse, if any
    if (!grads.empty()) {
      const at::Tensor g = at::cat(grads.vec(), 0), x = at::cat(inputs.vec(), 0);
      dw = dw.defined() ? at::addmm(dw, g.t(), x) : g.t().mm(x);
    }
    inputs.clear();
    grads.clear();
    return {dw, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

RecurrentWeight::RecurrentWeight(const at::Tensor& w) {
  deferred_ = torch::autograd::GradMode::is_enabled() && w.requires_grad();
  w_ = deferred_ ? DeferredWeightGrad::apply(w, inputs_, grads_) : w;
}

at::Tensor RecurrentWeight::apply(const at::Tensor& x) const {
  if (!deferred_) return x.mm(w_.t());
  return DeferredUse::apply(x, w_, inputs_, grads_);
}

}  // namespace nas::nn
