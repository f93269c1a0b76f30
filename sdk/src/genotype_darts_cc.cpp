// The DARTS-CC integer genotype JSON (Yakovlev et al., authors' repo DARTS-CC).
//
// File = `[reduce, normal]` (reduction cell FIRST, as the authors' loader reads it).
// Each cell is a list over intermediate nodes; node i lists i+2 op indices, entry j is the
// op on the edge from input j (0 = c_{k-2}, 1 = c_{k-1}, 2+r = node r). `none` edges are
// written explicitly; in a nas::Genotype they are simply absent (a node keeps only real
// edges), so reading drops them and writing restores them.
#include <set>
#include <string>
#include <vector>

#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "json_index.hpp"

namespace nas {
namespace {

constexpr const char* kNone = "none";

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error("DARTS-CC genotype JSON at " + where + ": " + what +
              " (expected [reduce, normal], each a list of nodes, node i a list of i+2 op indices)");
}

std::string pos(std::initializer_list<size_t> idx) {
  std::string s;
  for (size_t i : idx) s += "[" + std::to_string(i) + "]";
  return s;
}

int64_t index_in(const std::vector<std::string>& op_names, const std::string& op) {
  for (size_t i = 0; i < op_names.size(); ++i)
    if (op_names[i] == op) return static_cast<int64_t>(i);
  return -1;
}

std::string names_list(const std::vector<std::string>& op_names) {
  std::string s;
  for (const auto& n : op_names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

Json cell_to_json(const CellGenotype& cell, size_t which, const std::vector<std::string>& op_names) {
  const int64_t none = index_in(op_names, kNone);
  Json nodes = Json::array();
  for (size_t i = 0; i < cell.nodes.size(); ++i) {
    std::vector<int64_t> row(i + 2, none);
    for (const auto& edge : cell.nodes[i]) {
      const std::string where = "cell " + pos({which}) + " node " + std::to_string(i);
      if (edge.input < 0 || static_cast<size_t>(edge.input) >= i + 2)
        throw Error("cannot write DARTS-CC JSON: " + where + " has an edge from input " + std::to_string(edge.input) +
                    ", valid inputs are 0.." + std::to_string(i + 1));
      const int64_t op = index_in(op_names, edge.op);
      if (op < 0)
        throw Error("cannot write DARTS-CC JSON: " + where + " uses op '" + edge.op +
                    "', which is not in the op order (" + names_list(op_names) + ")");
      if (row[edge.input] != none || (none < 0 && row[edge.input] >= 0))
        throw Error("cannot write DARTS-CC JSON: " + where + " has two edges from input " + std::to_string(edge.input) +
                    "; the integer format holds one op per edge");
      row[edge.input] = op;
    }
    for (size_t j = 0; j < row.size(); ++j)
      if (row[j] < 0)
        throw Error("cannot write DARTS-CC JSON: cell " + pos({which}) + " node " + std::to_string(i) +
                    " has no edge from input " + std::to_string(j) +
                    " and the op order has no 'none' to encode the missing edge");
    nodes.push_back(row);
  }
  return nodes;
}

CellGenotype cell_from_json(const Json& j, size_t which, const std::vector<std::string>& op_names) {
  if (!j.is_array() || j.empty()) bad(pos({which}), "expected a non-empty list of nodes, got " + j.dump());
  CellGenotype cell;
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& node = j[i];
    if (!node.is_array() || node.size() != i + 2)
      bad(pos({which, i}),
          "node " + std::to_string(i) + " needs " + std::to_string(i + 2) + " op indices, got " + node.dump());
    std::vector<GenotypeEdge> edges;
    for (size_t e = 0; e < node.size(); ++e) {
      const Json& v = node[e];
      if (!v.is_number_integer()) bad(pos({which, i, e}), "expected an integer op index, got " + v.dump());
      const int64_t op = detail::json_int64(v);  // a huge unsigned value must not wrap to a valid index
      if (op < 0 || op >= static_cast<int64_t>(op_names.size()))
        bad(pos({which, i, e}), "op index " + v.dump() + " out of range 0.." + std::to_string(op_names.size() - 1) +
                                    " (" + names_list(op_names) + ")");
      if (op_names[op] == kNone) continue;  // a dropped edge
      edges.push_back({op_names[op], static_cast<int>(e)});
    }
    cell.nodes.push_back(std::move(edges));
    cell.concat.push_back(static_cast<int>(i) + 2);
  }
  return cell;
}

}  // namespace

const std::vector<std::string>& darts_cc_op_order() {
  // DARTS-CC `primitives = DARTS` (pt.darts order): `none` LAST.
  static const std::vector<std::string> order{"max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                                              "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5", "none"};
  return order;
}

Json to_darts_cc_json(const Genotype& genotype, const std::vector<std::string>& op_names) {
  if (!genotype.is_cell())
    throw Error("cannot write DARTS-CC JSON for a '" + genotype.space + "' genotype (cells only)");
  return Json::array({cell_to_json(genotype.reduce, 0, op_names), cell_to_json(genotype.normal, 1, op_names)});
}

Genotype genotype_from_darts_cc_json(const Json& json, const std::vector<std::string>& op_names) {
  if (op_names.empty()) throw Error("DARTS-CC genotype JSON: the op order is empty");
  if (!json.is_array() || json.size() != 2)
    bad("[]", "expected a list of exactly two cells, got " + json.dump().substr(0, 80));
  Genotype g;
  g.space = "darts";
  g.reduce = cell_from_json(json[0], 0, op_names);
  g.normal = cell_from_json(json[1], 1, op_names);
  if (g.reduce.nodes.size() != g.normal.nodes.size())
    bad("[]", "the reduce cell has " + std::to_string(g.reduce.nodes.size()) + " nodes but the normal cell " +
                  std::to_string(g.normal.nodes.size()));
  g.meta = Json{{"format", "darts-cc"}};
  return g;
}

}  // namespace nas
