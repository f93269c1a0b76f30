#include "memory_layout.hpp"

#include <ATen/ATen.h>

namespace nas::nn {

at::Tensor to_channels_last(const at::Tensor& x) { return x.contiguous(at::MemoryFormat::ChannelsLast); }

void keep_gradient_layout(at::Tensor& t) {
  if (!t.requires_grad()) return;
  t.register_hook([strides = t.strides().vec(), options = t.options()](const at::Tensor& g) -> at::Tensor {
    if (g.strides() == c10::IntArrayRef(strides)) return g;
    at::Tensor same = at::empty_strided(g.sizes(), strides, options);
    same.copy_(g);
    return same;
  });
}

}  // namespace nas::nn
