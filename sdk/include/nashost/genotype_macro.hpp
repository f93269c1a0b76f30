#pragma once
// The ENAS macro space (space "enas-cnn-macro") read as what it is: a chain of layers, each
// one op on the previous layer plus skip connections from earlier layers, with factorized
// reductions at fixed places. The genotype stores layer i as normal.nodes[i]: first edge
// (op, i + 1), then ("skip", 2 + j) per skip from layer j; meta.arc keeps the authors'
// flat form. The tools (`nashost genotype show|plot`, Lua's genotype:text/plot) use these
// instead of the DARTS cell views, which would show an empty reduction cell.
#include <cstdint>
#include <string>
#include <vector>

#include "nashost/export.hpp"
#include "nashost/genotype.hpp"

namespace nas {

inline constexpr const char* kEnasMacroSpace = "enas-cnn-macro";

inline bool is_macro_genotype(const Genotype& g) { return g.space == kEnasMacroSpace; }

/// After which layers the macro network halves the resolution: the authors' pool distance
/// num_layers / 3 (after layers d-1 and 2d-1).
NASHOST_SDK_API std::vector<int64_t> macro_reductions_after(int64_t num_layers);

/// Layer by layer, one line each: "layer 3  sep_conv_5x5  + skip from 0, 2", the reductions,
/// and the authors' arc when meta.arc holds it. nas::Error for a genotype that is not one.
NASHOST_SDK_API std::string macro_network_text(const Genotype& g);

/// The authors' flat arc ("0 1 1 2 0 1 ...": per layer the op id, then one bit per earlier
/// layer) from meta.arc; nas::Error when the genotype does not carry it.
NASHOST_SDK_API std::string macro_arc_text(const Genotype& g);

/// Graphviz DOT: stem → layers (skips dashed) → reductions → classifier; `caption` below.
NASHOST_SDK_API std::string macro_network_to_dot(const Genotype& g, const std::string& caption);

}  // namespace nas
