#include "cnn/micro/micro_arc.hpp"

#include <algorithm>

#include "nashost/error.hpp"

namespace nas::enas {

std::vector<int> unused_states(const CellArc& cell) {
  std::vector<bool> used(static_cast<size_t>(cell.nodes()) + 2, false);
  for (int i = 0; i < cell.nodes(); ++i)
    for (int s = 0; s < 2; ++s) used[static_cast<size_t>(cell.input(i, s))] = true;
  std::vector<int> out;
  for (size_t j = 0; j < used.size(); ++j)
    if (!used[j]) out.push_back(static_cast<int>(j));
  return out;
}

void validate_cell(const CellArc& cell, int num_ops, const std::string& where) {
  auto bad = [&](const std::string& what) { throw Error(where + ": invalid ENAS cell: " + what); };
  if (cell.seq.empty() || cell.seq.size() % 4 != 0)
    bad("expected 4 entries per node, got " + std::to_string(cell.seq.size()));
  for (int i = 0; i < cell.nodes(); ++i)
    for (int s = 0; s < 2; ++s) {
      const int in = cell.input(i, s), op = cell.op(i, s);
      if (in < 0 || in > i + 1)
        bad("node " + std::to_string(i) + " input " + std::to_string(in) + " is not an earlier state (valid 0.." +
            std::to_string(i + 1) + ")");
      if (op < 0 || op >= num_ops)
        bad("node " + std::to_string(i) + " op id " + std::to_string(op) + " out of range 0.." +
            std::to_string(num_ops - 1));
    }
}

namespace {
CellGenotype cell_genotype(const CellArc& c, const std::vector<std::string>& names) {
  CellGenotype g;
  for (int i = 0; i < c.nodes(); ++i)
    g.nodes.push_back({{names.at(static_cast<size_t>(c.op(i, 0))), c.input(i, 0)},
                       {names.at(static_cast<size_t>(c.op(i, 1))), c.input(i, 1)}});
  g.concat = unused_states(c);
  return g;
}

CellArc genotype_cell(const CellGenotype& g, const std::vector<std::string>& names, const std::string& where) {
  CellArc c;
  if (g.nodes.empty()) throw Error(where + ": the cell has no nodes");
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].size() != 2)
      throw Error(where + ": node " + std::to_string(i) + " has " + std::to_string(g.nodes[i].size()) +
                  " inputs; an ENAS cell node has exactly two");
    for (const auto& e : g.nodes[i]) {
      auto it = std::find(names.begin(), names.end(), e.op);
      if (it == names.end()) {
        std::string valid;
        for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
        throw Error(where + ": node " + std::to_string(i) + " has unknown op '" + e.op + "' (valid: " + valid + ")");
      }
      c.seq.push_back(e.input);
      c.seq.push_back(static_cast<int>(it - names.begin()));
    }
  }
  validate_cell(c, static_cast<int>(names.size()), where);
  if (!g.concat.empty() && g.concat != unused_states(c))
    throw Error(where + ": concat must list exactly the states no node uses (ENAS cells concatenate the loose ends)");
  return c;
}

Json cell_json(const CellArc& c) { return Json(c.seq); }
}  // namespace

Genotype arc_genotype(const CnnArc& arc, const std::vector<std::string>& op_names) {
  Genotype g;
  g.space = kCnnSpace;
  g.normal = cell_genotype(arc.normal, op_names);
  g.reduce = cell_genotype(arc.reduce, op_names);
  return g;
}

CnnArc genotype_arc(const Genotype& g, const std::vector<std::string>& op_names, const std::string& where) {
  if (g.space != kCnnSpace) throw Error(where + ": genotype space is '" + g.space + "', expected '" + kCnnSpace + "'");
  CnnArc a;
  a.normal = genotype_cell(g.normal, op_names, where + " (normal cell)");
  a.reduce = genotype_cell(g.reduce, op_names, where + " (reduction cell)");
  if (a.normal.nodes() != a.reduce.nodes())
    throw Error(where + ": normal and reduction cells must have the same node count");
  return a;
}

std::string arc_summary(const CnnArc& arc, const std::vector<std::string>& names) {
  auto cell = [&](const CellArc& c) {
    std::string s;
    for (int i = 0; i < c.nodes(); ++i) {
      if (i) s += " | ";
      s += std::to_string(c.input(i, 0)) + " " + names.at(static_cast<size_t>(c.op(i, 0))) + " " +
           std::to_string(c.input(i, 1)) + " " + names.at(static_cast<size_t>(c.op(i, 1)));
    }
    return s;
  };
  return "normal [" + cell(arc.normal) + "] reduce [" + cell(arc.reduce) + "]";
}

Json arc_to_json(const CnnArc& arc) {
  return Json{{"normal", cell_json(arc.normal)}, {"reduce", cell_json(arc.reduce)}};
}

CnnArc arc_from_json(const Json& j) {
  CnnArc a;
  a.normal.seq = j.at("normal").get<std::vector<int>>();
  a.reduce.seq = j.at("reduce").get<std::vector<int>>();
  return a;
}

}  // namespace nas::enas
