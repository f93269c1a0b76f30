#pragma once
// The ENAS macro architecture (docs/methods.md, ENAS, the authors' macro space; no
// reference PyTorch code exists, this follows the paper's description): L layers in a
// chain, layer i applies one of six ops to layer i-1 (the stem for i = 0) and adds the
// earlier layers j < i whose skip bit is set.
//
// Flat form (the authors' arc sequence): per layer i, the op id then i skip bits.
// Genotype form: space "enas-cnn-macro", written in the cell form so the genotype JSON,
// `nashost genotype show` and the loaders stay as they are:
//   normal.nodes[i] = [(op name, i + 1), ("skip", 2 + j) for every selected j],
//   states: 1 = the stem, 2 + j = layer j (as in a cell: 2 + i is node i; state 0 unused);
//   normal.concat = [L + 1] (the last layer); the reduce cell is empty.
#include <string>
#include <vector>

#include "nashost/genotype.hpp"

namespace nas::enas {

inline constexpr const char* kMacroSpace = "enas-cnn-macro";
inline constexpr const char* kMacroSkip = "skip";

/// The six macro ops in controller order: 0 conv_3x3, 1 sep_conv_3x3, 2 conv_5x5,
/// 3 sep_conv_5x5, 4 avg_pool_3x3, 5 max_pool_3x3. The order must not change.
const std::vector<std::string>& macro_op_names();

struct MacroArc {
  std::vector<int> ops;                 ///< op id per layer
  std::vector<std::vector<int>> skips;  ///< skips[i]: i bits, 1 = add layer j's output to layer i
  int layers() const { return static_cast<int>(ops.size()); }
  bool operator==(const MacroArc&) const = default;
};

/// Throws nas::Error (prefixed with `where`) unless skips[i] has i bits of 0/1 and every
/// op id is in range.
void validate_macro(const MacroArc& arc, const std::string& where);

std::vector<int> macro_to_seq(const MacroArc& arc);
/// Flat sequence of `layers` layers -> arc; throws nas::Error when the length is wrong.
MacroArc macro_from_seq(const std::vector<int>& seq, int layers);
/// Length of the flat sequence of L layers: L ops + L(L-1)/2 skip bits.
int macro_seq_length(int layers);

Genotype macro_genotype(const MacroArc& arc);
/// Genotype -> arc; checks the space, the op names and that the edges follow the form above.
MacroArc genotype_macro(const Genotype& g, const std::string& where);

/// "0 conv_3x3 | 1 max_pool_3x3 skip 0 | ..." for logs.
std::string macro_summary(const MacroArc& arc);

}  // namespace nas::enas
