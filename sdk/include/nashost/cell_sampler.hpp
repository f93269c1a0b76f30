#pragma once
// Architectures of the DARTS cell space drawn uniformly at random, as random search with
// weight sharing (Li & Talwalkar 2019) draws them: every intermediate node of a cell takes
// two distinct inputs among the states before it (every pair equally likely) and, for each,
// one operation among the set's ops other than `none` (every op equally likely); the
// normal and the reduction cell are drawn independently. And the one-step mutations of
// regularised evolution (Real et al. 2019) on such genotypes.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nashost/export.hpp"
#include "nashost/genotype.hpp"

namespace nas {

/// What mutate() changed: in which cell, node and edge (0 or 1), and whether the edge's
/// input or its op; `before`/`after` are op names or input indices as text.
struct CellMutation {
  bool reduce = false;
  int node = 0;
  int edge = 0;
  bool input = false;
  std::string before, after;
};

/// One cell: per intermediate node its two inputs (0 = c_{k-2}, 1 = c_{k-1}, 2 + i = node i)
/// and their op indices in the operation set's order.
struct SampledCell {
  struct Node {
    int input[2];
    int64_t op[2];
  };
  std::vector<Node> nodes;
};

struct SampledArch {
  SampledCell normal, reduce;
};

class NASHOST_SDK_API CellSampler {
 public:
  /// `op_names` in the operation set's order; `none` (if present) is never drawn.
  CellSampler(std::vector<std::string> op_names, int nodes);
  SampledArch sample(std::mt19937_64& rng) const;
  SampledCell sample_cell(std::mt19937_64& rng) const;

  /// Op index per edge, in the supernet's edge order (node 0: s0, s1; node 1: s0, s1, n0;
  /// ...): the drawn op on the node's two chosen edges, `none` on every other edge.
  std::vector<int64_t> edge_ops(const SampledCell& cell) const;
  /// The DARTS-space genotype of `arch` (concat = every intermediate node).
  Genotype genotype(const SampledArch& arch) const;
  /// A copy of `parent` (a DARTS-space genotype of this sampler's shape) with one change, as
  /// Real et al. 2019 mutate: a cell (normal or reduction), an intermediate node and one of
  /// its two edges are drawn uniformly, then, with equal odds, the edge's op becomes another
  /// drawable op or its input another state before the node that is not already one of the
  /// node's inputs (node 0, whose inputs are always c_{k-2} and c_{k-1}, gets an op change).
  /// The child always differs from the parent. ConfigError for a genotype of another shape.
  Genotype mutate(const Genotype& parent, std::mt19937_64& rng, CellMutation* what = nullptr) const;
  /// The drawable op indices (every op but `none`).
  const std::vector<int64_t>& candidate_ops() const { return candidates_; }
  int nodes() const { return nodes_; }

 private:
  CellGenotype cell_genotype(const SampledCell& cell) const;
  void check_shape(const Genotype& g) const;
  std::vector<std::string> op_names_;
  std::vector<int64_t> candidates_;
  int64_t none_ = -1;
  int nodes_;
};

}  // namespace nas
