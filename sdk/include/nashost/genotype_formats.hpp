#pragma once
// The published genotype formats and Graphviz rendering.
#include <string>
#include <string_view>
#include <vector>

#include "nashost/genotype.hpp"

namespace nas {

enum class DartsTextLayout { Flat, Nested };

/// `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], ...)`.
NASHOST_SDK_API std::string to_darts_text(const Genotype& genotype, DartsTextLayout layout = DartsTextLayout::Flat);
/// Accepts flat and nested gene lists, `range(a, b)` and explicit concat lists, any
/// whitespace. Throws nas::Error with line and column of the first problem.
NASHOST_SDK_API Genotype parse_darts_text(std::string_view text);
/// The same, and rejects op names not in `op_names` (with their line and column).
NASHOST_SDK_API Genotype parse_darts_text(std::string_view text, const std::vector<std::string>& op_names);

/// The primitive order of the DARTS-CC integer encoding (`none` last).
NASHOST_SDK_API const std::vector<std::string>& darts_cc_op_order();
/// DARTS-CC integer JSON `[reduce, normal]`; node i lists i+2 op indices, `none` edges included.
NASHOST_SDK_API Json to_darts_cc_json(const Genotype& genotype,
                                      const std::vector<std::string>& op_names = darts_cc_op_order());
NASHOST_SDK_API Genotype genotype_from_darts_cc_json(const Json& json,
                                                     const std::vector<std::string>& op_names = darts_cc_op_order());

/// Published genotypes by name: DARTS_V1, DARTS_V2 (and others the SDK knows).
NASHOST_SDK_API Genotype named_genotype(const std::string& name);
NASHOST_SDK_API std::vector<std::string> named_genotype_names();

/// Graphviz DOT of one cell in the DARTS plotting style; `caption` below the graph.
NASHOST_SDK_API std::string cell_to_dot(const CellGenotype& cell, const std::string& caption);
/// Graphviz DOT of an ENAS RNN DAG.
NASHOST_SDK_API std::string dag_to_dot(const std::vector<DagNode>& dag, const std::string& caption);
/// Renders DOT to `file` (format from its extension: .png, .svg, .pdf) with the `dot` program.
/// Throws nas::Error if Graphviz is missing or fails; the .dot source is always written beside it.
NASHOST_SDK_API void render_dot(const std::string& dot, const std::filesystem::path& file);

}  // namespace nas
