#include "partial_channels.hpp"

#include <vector>

#include <ATen/ATen.h>

#include <nashost/error.hpp>

namespace pc_darts {

at::Tensor shuffle_channels(const at::Tensor& x, int64_t groups) {
  const int64_t c = x.size(1);
  if (groups < 1 || c % groups != 0)
    throw nas::Error("shuffle_channels: " + std::to_string(c) + " channels in " + std::to_string(groups) + " groups");
  return at::channel_shuffle(x, groups);  // ATen's own (nn.ChannelShuffle)
}

at::Tensor partial_channel_edge(nas::nn::MixedOpImpl& op, const at::Tensor& x, const at::Tensor& w, int64_t k) {
  const int64_t c = x.size(1), part = c / k;
  const at::Tensor sampled = x.narrow(1, 0, part);
  at::Tensor bypass = x.narrow(1, part, c - part);
  const at::Tensor out = op.forward(sampled, w);
  // A reducing edge halves the resolution of its ops' output; the bypass follows with a 2x2
  // max pool, as the reference decides it: by comparing the sizes.
  if (out.size(2) != x.size(2)) bypass = at::max_pool2d(bypass, {2, 2}, {2, 2});
  return shuffle_channels(at::cat({out, bypass}, 1), k);
}

at::Tensor normalized_edge_weights(const at::Tensor& beta, int64_t nodes) {
  const int64_t edges = nas::nn::cell_edge_count(nodes);
  if (beta.dim() != 1 || beta.size(0) != edges)
    throw nas::Error("pc-darts: " + std::to_string(beta.numel()) + " edge weights for " + std::to_string(nodes) +
                     " nodes (expected " + std::to_string(edges) + ")");
  std::vector<at::Tensor> parts;
  int64_t start = 0;
  for (int64_t i = 0; i < nodes; ++i) {
    parts.push_back(at::softmax(beta.narrow(0, start, i + 2), 0));
    start += i + 2;
  }
  return at::cat(parts);
}

}  // namespace pc_darts
