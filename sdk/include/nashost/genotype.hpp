#pragma once
// The genotype data model: what a search finds and what a trainer trains.
//
// One type covers both families of search spaces:
//  - cell spaces (DARTS, DARTS-CC, ENAS CNN): a normal and a reduction cell, each a
//    list of intermediate nodes whose incoming edges carry (op, input); input 0 is
//    c_{k-2}, 1 is c_{k-1}, 2+i is intermediate node i;
//  - DAG spaces (ENAS RNN): nodes with an activation and one parent.
// JSON is the native format (to_json/from_json). The published formats are read and
// written too: the DARTS `Genotype(normal=[...], ...)` text (flat and nested gene
// lists, `range(2, 6)` or `[2, 3, 4, 5]` concat) and the DARTS-CC integer JSON
// `[reduce, normal]` (see genotype_formats.hpp).
#include <filesystem>
#include <string>
#include <vector>

#include "nashost/config.hpp"
#include "nashost/export.hpp"

namespace nas {

struct GenotypeEdge {
  std::string op;
  int input = 0;
  bool operator==(const GenotypeEdge&) const = default;
};

struct CellGenotype {
  /// nodes[i] = incoming edges of intermediate node i (DARTS: exactly two).
  std::vector<std::vector<GenotypeEdge>> nodes;
  /// States concatenated into the cell output (DARTS: 2,3,4,5).
  std::vector<int> concat;
  bool operator==(const CellGenotype&) const = default;
};

/// ENAS RNN node: activation and parent (-1 = the cell input, i.e. x_t and h_{t-1}).
struct DagNode {
  std::string activation;
  int parent = -1;
  bool operator==(const DagNode&) const = default;
};

struct Genotype {
  std::string space = "darts";  ///< "darts" (cells), "enas-rnn" (DAG), "enas-cnn" (cells)
  CellGenotype normal;
  CellGenotype reduce;
  std::vector<DagNode> dag;
  Json meta = Json::object();  ///< provenance: strategy, epoch, lambda, seed, ...

  bool is_cell() const { return space != "enas-rnn"; }
  bool operator==(const Genotype& o) const {
    return space == o.space && normal == o.normal && reduce == o.reduce && dag == o.dag;
  }
};

NASHOST_SDK_API Json to_json(const Genotype& genotype);
/// Throws nas::Error naming the JSON pointer of the first bad element.
NASHOST_SDK_API Genotype genotype_from_json(const Json& json);

/// Writes JSON atomically (temporary file + rename).
NASHOST_SDK_API void save_genotype(const Genotype& genotype, const std::filesystem::path& file);
/// Reads our JSON, the DARTS text form, or the DARTS-CC integer JSON (which needs
/// `op_names`, the operation set's order; DARTS-CC's order is used when empty).
NASHOST_SDK_API Genotype load_genotype(const std::filesystem::path& file,
                                       const std::vector<std::string>& op_names = {});

}  // namespace nas
