#pragma once
// Architectures of the DARTS cell space drawn uniformly at random, as random search with
// weight sharing (Li & Talwalkar 2019) draws them: every intermediate node of a cell takes
// two distinct inputs among the states before it (every pair equally likely) and, for each,
// one operation among the set's ops other than `none` (every op equally likely); the
// normal and the reduction cell are drawn independently.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nashost/genotype.hpp>

namespace rs_ws {

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

class CellSampler {
 public:
  /// `op_names` in the operation set's order; `none` (if present) is never drawn.
  CellSampler(std::vector<std::string> op_names, int nodes);
  SampledArch sample(std::mt19937_64& rng) const;
  SampledCell sample_cell(std::mt19937_64& rng) const;

  /// Op index per edge, in the supernet's edge order (node 0: s0, s1; node 1: s0, s1, n0;
  /// ...): the drawn op on the node's two chosen edges, `none` on every other edge.
  std::vector<int64_t> edge_ops(const SampledCell& cell) const;
  /// The DARTS-space genotype of `arch` (concat = every intermediate node).
  nas::Genotype genotype(const SampledArch& arch) const;
  /// The drawable op indices (every op but `none`).
  const std::vector<int64_t>& candidate_ops() const { return candidates_; }
  int nodes() const { return nodes_; }

 private:
  nas::CellGenotype cell_genotype(const SampledCell& cell) const;
  std::vector<std::string> op_names_;
  std::vector<int64_t> candidates_;
  int64_t none_ = -1;
  int nodes_;
};

}  // namespace rs_ws
