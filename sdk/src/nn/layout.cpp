#include "nashost/nn/layout.hpp"

#include <ATen/ATen.h>

#include "nashost/error.hpp"

namespace nas::nn {

Layout parse_layout(const std::string& name, const std::string& key) {
  if (name == "auto") return Layout::Auto;
  if (name == "channels_last") return Layout::ChannelsLast;
  if (name == "nchw") return Layout::Nchw;
  throw ConfigError(key + " = '" + name + "': expected auto, channels_last or nchw");
}

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

at::Tensor channels_last_state(const at::Tensor& sum) {
  at::Tensor state = to_channels_last(sum);
  keep_gradient_layout(state);
  return state;
}

at::Tensor concat_cell_states(at::TensorList states, bool nhwc) {
  const at::Tensor out = at::cat(states, 1);
  return nhwc ? to_channels_last(out) : out;
}

}  // namespace nas::nn
