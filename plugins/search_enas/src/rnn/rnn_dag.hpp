#pragma once
// The ENAS recurrent-cell DAG in its genotype form: node i has an activation and a
// parent (node 0's parent is -1, the cell input x_t and h_{t-1}); parents are always
// earlier nodes, so ascending ids are a topological order. A node whose activation
// is kRemoved is a gap left by node removal: it keeps its id (the shared weights are
// indexed by node ids) but is not evaluated. Leaves (nodes without children) are
// averaged into the cell output; the last node is the next hidden state.
#include <string>
#include <vector>

#include "nashost/genotype.hpp"

namespace nas::enas {

using Dag = std::vector<DagNode>;

inline constexpr const char* kRemoved = "none";
inline constexpr const char* kRnnSpace = "enas-rnn";

bool is_removed(const DagNode& node);
/// Ids of the live nodes whose parent is `node`.
std::vector<int> children_of(const Dag& dag, int node);
/// Live nodes without live children, ascending.
std::vector<int> leaves(const Dag& dag);
int live_count(const Dag& dag);

/// Throws nas::Error (prefixed with `where`) unless: non-empty, node 0 live with parent -1,
/// every live node's parent an earlier live node, last node live, activations in `activations`.
void validate_dag(const Dag& dag, const std::vector<std::string>& activations, const std::string& where);

/// Parents of the hardcoded shapes: chain k -> k-1, tree k -> (k-1)/2 (binary heap).
std::vector<int> fixed_parents(const std::string& architecture, int num_nodes);

/// Node removal with reconnection (fork ablation_studies/node_removal.py): r's children
/// are re-attached to r's parent with their own activations, r becomes a gap. Node 0 and
/// the last node cannot be removed (throws nas::Error).
Dag remove_node(const Dag& dag, int node);

/// Every node (not gaps) gets `activation` (fork activation_replacement.py).
Dag replace_activations(const Dag& dag, const std::string& activation);

/// Genotype <-> DAG; the genotype must have space "enas-rnn".
Genotype dag_genotype(const Dag& dag);
const Dag& genotype_dag(const Genotype& g, const std::string& where);

/// "tanh(-1) ReLU(0) ..." for logs.
std::string dag_summary(const Dag& dag);

}  // namespace nas::enas
