#pragma once
// The ENAS RNN cell as carpedm20/ENAS-pytorch writes it (`dag.json`, utils.save_dag):
//
//   {"-1": [[0, "tanh"]], "-2": [[0, "tanh"]], "0": [[1, "ReLU"], [2, "tanh"]], ...,
//    "<leaf>": [[N, "avg"]], "<N>": [[N + 1, "h[t]"]]}
//
// A key is a node id (-1 and -2: the inputs x_t and h_{t-1}, both feeding node 0), its list
// the children as [child id, child activation]; N = the number of nodes; every leaf points
// to N ("avg": the output is their mean) and N to N + 1 ("h[t]"). Python's json.dump
// formatting and carpedm20's key order are reproduced, so a file converted to our genotype
// and back is byte for byte the same.
#include <string>

#include "nashost/genotype.hpp"

namespace nas {

/// carpedm20's dag.json of an "enas-rnn" genotype (no trailing newline, as json.dump).
/// nas::Error for a cell genotype or a removed node (a gap the format cannot express).
NASHOST_SDK_API std::string to_enas_dag_json(const Genotype& genotype);
/// Whether `json` looks like that format (an object with the key "-1").
NASHOST_SDK_API bool is_enas_dag_json(const Json& json);
/// Reads it; nas::Error naming the key of the first problem (a node with two parents, a
/// parent after its child, a missing node, leaves that do not lead to N ...).
NASHOST_SDK_API Genotype genotype_from_enas_dag_json(const Json& json);

}  // namespace nas
