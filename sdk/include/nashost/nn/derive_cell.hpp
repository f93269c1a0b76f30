#pragma once
// Genotype derivation from architecture weights (docs/methods.md, DARTS, quark0 behaviour):
// softmax over ALL ops of an edge (including `none`), strength = the largest non-`none`
// probability, best op = its argmax; keep the two strongest incoming edges per node
// (stable: ties go to the lower input index), strongest first; concat = all nodes.
// pt.darts ranks raw logits (bug §7.2) — we softmax first.
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/genotype.hpp"

namespace nas::darts {

/// `alpha`: [E, O] logits of one cell type; `ops`: op names in column order.
CellGenotype derive_cell(const at::Tensor& alpha, const std::vector<std::string>& ops, int64_t nodes,
                         int64_t edges_per_node = 2);

}  // namespace nas::darts
