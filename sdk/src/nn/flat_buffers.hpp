#pragma once
// Lists of tensors laid out one after another in one buffer (SDK-internal; nn::zero_flat_grads
// lays a supernet's weights and gradients out so): the checks and views the whole-list updates
// (foreach_ops.cpp) and the bilevel step (bilevel.cpp) use to run one op on the buffer.
#include <optional>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nas::nn {

/// The tensors as one 1-D view of the storage they share, when they lie in it one after
/// another, dense, in list order; nullopt otherwise. A check of pointers and offsets: the view
/// is the only ATen op.
std::optional<at::Tensor> flat_view(const std::vector<at::Tensor>& ts);

/// Views of `flat` shaped as `like`, one after another.
std::vector<at::Tensor> views_like(const at::Tensor& flat, const std::vector<at::Tensor>& like);

/// The tensors copied into one new 1-D buffer, in order (one `view` per tensor and one `cat`,
/// where every whole-list op that follows then costs one op instead of one per tensor).
at::Tensor flat_copy(const std::vector<at::Tensor>& ts);

}  // namespace nas::nn
