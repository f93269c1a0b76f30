#include "cnn/macro/macro_arc.hpp"

#include <algorithm>

#include "nashost/error.hpp"

namespace nas::enas {

const std::vector<std::string>& macro_op_names() {
  static const std::vector<std::string> names = {"conv_3x3",     "sep_conv_3x3", "conv_5x5",
                                                 "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3"};
  return names;
}

void validate_macro(const MacroArc& arc, const std::string& where) {
  auto bad = [&](const std::string& what) { throw Error(where + ": invalid ENAS macro architecture: " + what); };
  if (arc.ops.empty()) bad("no layers");
  if (arc.skips.size() != arc.ops.size())
    bad(std::to_string(arc.ops.size()) + " ops but " + std::to_string(arc.skips.size()) + " skip vectors");
  const int n = static_cast<int>(macro_op_names().size());
  for (int i = 0; i < arc.layers(); ++i) {
    const int op = arc.ops[static_cast<size_t>(i)];
    if (op < 0 || op >= n)
      bad("layer " + std::to_string(i) + " op id " + std::to_string(op) + " out of range 0.." + std::to_string(n - 1));
    const auto& s = arc.skips[static_cast<size_t>(i)];
    if (static_cast<int>(s.size()) != i)
      bad("layer " + std::to_string(i) + " has " + std::to_string(s.size()) + " skip bits, expected " +
          std::to_string(i));
    for (int b : s)
      if (b != 0 && b != 1) bad("layer " + std::to_string(i) + " skip bit " + std::to_string(b) + " is not 0 or 1");
  }
}

int macro_seq_length(int layers) { return layers + layers * (layers - 1) / 2; }

std::vector<int> macro_to_seq(const MacroArc& arc) {
  std::vector<int> seq;
  for (int i = 0; i < arc.layers(); ++i) {
    seq.push_back(arc.ops[static_cast<size_t>(i)]);
    const auto& s = arc.skips[static_cast<size_t>(i)];
    seq.insert(seq.end(), s.begin(), s.end());
  }
  return seq;
}

MacroArc macro_from_seq(const std::vector<int>& seq, int layers) {
  if (layers < 1 || static_cast<int>(seq.size()) != macro_seq_length(layers))
    throw Error("ENAS macro arc: " + std::to_string(seq.size()) + " entries do not describe " + std::to_string(layers) +
                " layers (expected " + std::to_string(macro_seq_length(layers)) + ")");
  MacroArc a;
  size_t k = 0;
  for (int i = 0; i < layers; ++i) {
    a.ops.push_back(seq[k++]);
    a.skips.emplace_back(seq.begin() + static_cast<std::ptrdiff_t>(k),
                         seq.begin() + static_cast<std::ptrdiff_t>(k + i));
    k += static_cast<size_t>(i);
  }
  return a;
}

Genotype macro_genotype(const MacroArc& arc) {
  validate_macro(arc, "macro_genotype");
  Genotype g;
  g.space = kMacroSpace;
  for (int i = 0; i < arc.layers(); ++i) {
    std::vector<GenotypeEdge> edges{{macro_op_names()[static_cast<size_t>(arc.ops[static_cast<size_t>(i)])], i + 1}};
    for (int j = 0; j < i; ++j)
      if (arc.skips[static_cast<size_t>(i)][static_cast<size_t>(j)]) edges.push_back({kMacroSkip, 2 + j});
    g.normal.nodes.push_back(std::move(edges));
  }
  g.normal.concat = {arc.layers() + 1};
  g.meta["arc"] = macro_to_seq(arc);  // the authors' flat form, for other tools
  return g;
}

MacroArc genotype_macro(const Genotype& g, const std::string& where) {
  if (g.space != kMacroSpace)
    throw Error(where + ": genotype space is '" + g.space + "', expected '" + kMacroSpace + "'");
  if (!g.reduce.nodes.empty())
    throw Error(where + ": a macro genotype has no reduction cell (its 'reduce' must be empty)");
  const auto& names = macro_op_names();
  MacroArc a;
  const int layers = static_cast<int>(g.normal.nodes.size());
  for (int i = 0; i < layers; ++i) {
    const auto& edges = g.normal.nodes[static_cast<size_t>(i)];
    const std::string at = where + ": layer " + std::to_string(i);
    if (edges.empty() || edges[0].input != i + 1)
      throw Error(at + ": the first edge must be the op applied to state " + std::to_string(i + 1) +
                  " (the previous layer)");
    auto it = std::find(names.begin(), names.end(), edges[0].op);
    if (it == names.end()) {
      std::string valid;
      for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
      throw Error(at + ": unknown op '" + edges[0].op + "' (valid: " + valid + ")");
    }
    a.ops.push_back(static_cast<int>(it - names.begin()));
    std::vector<int> skip(static_cast<size_t>(i), 0);
    for (size_t k = 1; k < edges.size(); ++k) {
      const int j = edges[k].input - 2;
      if (edges[k].op != kMacroSkip || j < 0 || j >= i)
        throw Error(at + ": edge " + std::to_string(k) + " must be (\"skip\", 2 + an earlier layer), got ('" +
                    edges[k].op + "', " + std::to_string(edges[k].input) + ")");
      skip[static_cast<size_t>(j)] = 1;
    }
    a.skips.push_back(std::move(skip));
  }
  validate_macro(a, where);
  if (!g.normal.concat.empty() && g.normal.concat != std::vector<int>{layers + 1})
    throw Error(where + ": concat must be [" + std::to_string(layers + 1) + "] (the last layer is the output)");
  return a;
}

std::string macro_summary(const MacroArc& arc) {
  std::string s;
  for (int i = 0; i < arc.layers(); ++i) {
    if (i) s += " | ";
    s += std::to_string(i) + " " + macro_op_names().at(static_cast<size_t>(arc.ops[static_cast<size_t>(i)]));
    std::string sk;
    for (int j = 0; j < i; ++j)
      if (arc.skips[static_cast<size_t>(i)][static_cast<size_t>(j)]) sk += " " + std::to_string(j);
    if (!sk.empty()) s += " skip" + sk;
  }
  return s;
}

}  // namespace nas::enas
