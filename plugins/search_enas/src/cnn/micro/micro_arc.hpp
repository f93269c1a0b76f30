#pragma once
// The ENAS micro (cell) architecture: a normal and a reduction cell, each B nodes; node i
// picks two inputs among the states {0: c_{k-2}, 1: c_{k-1}, 2..i+1: earlier nodes} and
// an op for each, and sums the two results. The cell output concatenates every state
// no node used as input, cell inputs included (authors' micro_child `used` mask).
//
// Flat form (the authors' arc sequence): 4 ints per node, [x_in, x_op, y_in, y_op].
// Genotype form: space "enas-cnn", CellGenotype nodes[i] = {(op, x_in), (op, y_in)},
// concat = the unused states.
#include <string>
#include <vector>

#include "nashost/genotype.hpp"

namespace nas::enas {

inline constexpr const char* kCnnSpace = "enas-cnn";

struct CellArc {
  std::vector<int> seq;  ///< 4 per node: x_in, x_op, y_in, y_op
  int nodes() const { return static_cast<int>(seq.size() / 4); }
  int input(int node, int slot) const { return seq[4 * node + 2 * slot]; }
  int op(int node, int slot) const { return seq[4 * node + 2 * slot + 1]; }
  bool operator==(const CellArc&) const = default;
};

struct CnnArc {
  CellArc normal, reduce;
  bool operator==(const CnnArc&) const = default;
};

/// States (0..nodes+1) that no node takes as input, ascending: what the cell concatenates.
std::vector<int> unused_states(const CellArc& cell);

/// Throws nas::Error (prefixed with `where`) unless every input is an earlier state and
/// every op id is in [0, num_ops).
void validate_cell(const CellArc& cell, int num_ops, const std::string& where);

Genotype arc_genotype(const CnnArc& arc, const std::vector<std::string>& op_names);
/// Genotype -> arc; checks the space, two edges per node, known op names, inputs and
/// that `concat` equals the unused states (the only output rule this space has).
CnnArc genotype_arc(const Genotype& g, const std::vector<std::string>& op_names, const std::string& where);

/// "normal [0 sep_conv_3x3 1 identity | ...] reduce [...]" for logs.
std::string arc_summary(const CnnArc& arc, const std::vector<std::string>& op_names);

Json arc_to_json(const CnnArc& arc);
CnnArc arc_from_json(const Json& j);

}  // namespace nas::enas
