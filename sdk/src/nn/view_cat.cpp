#include "nashost/nn/view_cat.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

namespace nas::nn {

namespace {

struct ViewCat : torch::autograd::Function<ViewCat> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, at::TensorList ts, int64_t dim) {
    std::vector<int64_t> sizes;  // each input's sizes, one after another (cat's inputs share a rank)
    for (const auto& t : ts) sizes.insert(sizes.end(), t.sizes().begin(), t.sizes().end());
    ctx->saved_data["sizes"] = sizes;
    ctx->saved_data["rank"] = ts.front().dim();
    ctx->saved_data["dim"] = dim;
    return at::cat(ts, dim);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto sizes = ctx->saved_data["sizes"].toIntVector();
    const auto rank = static_cast<size_t>(ctx->saved_data["rank"].toInt());
    const int64_t dim = ctx->saved_data["dim"].toInt();
    const at::Tensor& g = grads[0];
    torch::autograd::variable_list out;
    int64_t offset = g.defined() ? g.storage_offset() : 0;
    for (size_t p = 0; p < sizes.size(); p += rank) {
      const at::IntArrayRef shape(sizes.data() + p, rank);
      if (!g.defined()) {
        out.emplace_back();
        continue;
      }
      out.push_back(g.as_strided(shape, g.strides(), offset));
      offset += shape[static_cast<size_t>(dim)] * g.stride(dim);
    }
    out.emplace_back();  // dim
    return out;
  }
};

}  // namespace

at::Tensor view_cat(const std::vector<at::Tensor>& ts, int64_t dim) {
  if (ts.size() == 1) return ts[0];
  bool any_grad = false;
  for (const auto& t : ts) any_grad = any_grad || t.requires_grad();
  if (!any_grad || !at::GradMode::is_enabled()) return at::cat(ts, dim);
  const int64_t d = dim < 0 ? dim + ts[0].dim() : dim;
  return ViewCat::apply(at::TensorList(ts), d);  // a TensorList: autograd tracks its tensors
}

}  // namespace nas::nn
