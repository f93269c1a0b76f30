#pragma once
// The complexity term of DARTS-CC (docs/methods.md, DARTS-CC): the expected number of parameters of the
// cells' candidate ops under softmax(α) (no temperature, no noise), summed over every
// cell instance at that cell's width and edge strides. Stem, preprocessing and head
// are not counted.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "cell_layout.hpp"
#include "nashost/operation_set.hpp"

namespace nas::darts_cc {

/// N_o(c, e) summed over the cells of each type: [E, O] float64 tables.
struct ParamCosts {
  at::Tensor normal;
  at::Tensor reduce;
};

/// Per-op counts from `ops.param_count` (search variant: affine=False BN, pooling+BN).
ParamCosts build_param_costs(const OperationSet& ops, const std::vector<CellSpec>& cells, int64_t nodes);

/// [E, O] parameter counts of one cell instance.
at::Tensor cell_param_costs(const OperationSet& ops, const CellSpec& cell, int64_t nodes);

/// Σ softmax(α_normal) ⊙ normal + Σ softmax(α_reduce) ⊙ reduce (a differentiable scalar).
at::Tensor expected_param_count(const at::Tensor& alpha_normal, const at::Tensor& alpha_reduce,
                                const ParamCosts& costs);

}  // namespace nas::darts_cc
