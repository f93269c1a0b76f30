#include "cell_layout.hpp"

namespace nas::darts_cc {

int64_t num_edges(int64_t nodes) { return nodes * (nodes + 3) / 2; }

int64_t first_edge(int64_t node) { return num_edges(node); }

std::vector<EdgeRef> edge_list(int64_t nodes) {
  std::vector<EdgeRef> edges;
  for (int node = 0; node < nodes; ++node)
    for (int input = 0; input < node + 2; ++input) edges.push_back({node, input});
  return edges;
}

std::vector<CellSpec> macro_cells(int64_t layers, int64_t channels) {
  std::vector<CellSpec> cells;
  int64_t c = channels;
  for (int64_t i = 0; i < layers; ++i) {
    const bool reduction = i == layers / 3 || i == 2 * layers / 3;
    if (reduction) c *= 2;
    cells.push_back({reduction, c});
  }
  return cells;
}

}  // namespace nas::darts_cc
