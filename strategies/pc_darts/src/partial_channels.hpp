#pragma once
// The two pieces PC-DARTS (Xu et al. 2020, "PC-DARTS: Partial Channel Connections for
// Memory-Efficient Architecture Search") adds to a DARTS edge:
//  - partial channel connections: the mixed op sees only the first C/K channels of its input;
//    the other channels bypass it (max-pooled 2x2 where the edge reduces), the two parts are
//    concatenated and the channels shuffled in K groups, so that the next edge sees others;
//  - edge normalisation: the edges into a node are weighted by softmax(β) over that node's
//    incoming edges, which steadies the choice of edges that the channel sampling makes noisy.
#include <cstdint>

#include <ATen/core/Tensor.h>

#include <nashost/nn/darts_search_network.hpp>

namespace pc_darts {

/// ShuffleNet's channel shuffle (ATen's channel_shuffle): [N, C, H, W] viewed as
/// [N, groups, C/groups, H, W], the two group axes swapped, flattened back (channel
/// g·(C/groups) + i goes to i·groups + g). nas::Error unless groups divides C.
at::Tensor shuffle_channels(const at::Tensor& x, int64_t groups);

/// One partial-channel edge: op (built for C/k channels) weighted by `w` ([O]) on x[:, :C/k],
/// x[:, C/k:] passed on (max-pooled when the op reduces the resolution), concatenated and
/// shuffled in k groups.
at::Tensor partial_channel_edge(nas::nn::MixedOpImpl& op, const at::Tensor& x, const at::Tensor& w, int64_t k);

/// Edge normalisation: per node i (incoming edges in the supernet's order: node 0 has 2,
/// node 1 has 3, ...) the softmax of its edges' β. beta: [E]; returns [E].
at::Tensor normalized_edge_weights(const at::Tensor& beta, int64_t nodes);

}  // namespace pc_darts
