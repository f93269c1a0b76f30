#pragma once
// Genotype derivation from architecture weights, the DARTS rule (docs/methods.md, DARTS,
// quark0 behaviour), for every strategy of the DARTS cell space:
// softmax over ALL ops of an edge (including `none`), strength = the largest non-`none`
// probability, best op = its argmax; keep the two strongest incoming edges per node
// (stable: ties go to the lower input index), strongest first; concat = all nodes.
// pt.darts ranks raw logits (a bug, docs/methods.md, DARTS) — we softmax first.
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/export.hpp"
#include "nashost/genotype.hpp"

namespace nas::nn {

/// `alpha`: [E, O] logits of one cell type; `ops`: op names in column order.
NASHOST_SDK_API CellGenotype derive_cell(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes,
                                         int64_t edges_per_node = 2);
/// The same rule on edge weights that are already what the strengths compare (no softmax
/// here), e.g. PC-DARTS's softmax(α) scaled per edge by its normalised β.
NASHOST_SDK_API CellGenotype derive_cell_from_weights(const at::Tensor& weights, const std::vector<std::string>& ops,
                                                      int64_t nodes, int64_t edges_per_node = 2);

}  // namespace nas::nn
