#pragma once
// Discretisation of α into a cell genotype (docs/methods.md, DARTS-CC).
//  - simple: every edge keeps its argmax over all ops, `none` included; a `none` edge is
//    dropped, so a node may keep 0..(i+2) inputs (all mini experiments);
//  - darts: per node, each edge's best non-`none` op and its softmax probability; the
//    two edges with the highest probability stay (pt.darts parse(k=2); full CIFAR).
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/genotype.hpp"

namespace nas::darts_cc {

enum class DeriveRule { Simple, Darts };
/// "simple" | "darts"; ConfigError naming `key` otherwise.
DeriveRule parse_derive_rule(const std::string& name, const std::string& key);
const char* derive_rule_name(DeriveRule rule);

/// `alpha` [E, O] with columns in `op_names` order; `nodes` intermediate nodes.
CellGenotype derive_cell(const at::Tensor& alpha, const std::vector<std::string>& op_names, int64_t nodes,
                         DeriveRule rule);

/// Per-edge op index (in `op_names` order) of a cell genotype; missing edges get `none`.
/// Throws Error naming the cell/node if an op is unknown, an input is out of range, an
/// edge is given twice, or the genotype has a different number of nodes.
std::vector<int64_t> cell_op_indices(const CellGenotype& cell, const std::vector<std::string>& op_names, int64_t nodes,
                                     const std::string& which);

}  // namespace nas::darts_cc
