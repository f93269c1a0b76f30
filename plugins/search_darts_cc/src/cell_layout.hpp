#pragma once
// Shape facts of the DARTS cell space shared by every part of DARTS-CC: edge order,
// which cells reduce, each cell's channel count.
#include <cstdint>
#include <utility>
#include <vector>

namespace nas::darts_cc {

/// Edge e of a cell, in the order node0: s0,s1; node1: s0,s1,n0; ...
struct EdgeRef {
  int node;
  int input;  ///< 0 = s0, 1 = s1, 2+r = node r
};
int64_t num_edges(int64_t nodes);
std::vector<EdgeRef> edge_list(int64_t nodes);
/// Index of the first edge of `node`.
int64_t first_edge(int64_t node);

/// One cell instance of the macro network.
struct CellSpec {
  bool reduction = false;
  int64_t channels = 16;  ///< the cell's working width C
};
/// Cell i reduces (and doubles C) iff i ∈ {⌊L/3⌋, ⌊2L/3⌋}.
std::vector<CellSpec> macro_cells(int64_t layers, int64_t channels);

/// Stride of an edge: 2 on reduction-cell edges from s0/s1.
inline int64_t edge_stride(bool reduction, int input) { return reduction && input < 2 ? 2 : 1; }

}  // namespace nas::darts_cc
