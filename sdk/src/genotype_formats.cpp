// PLACEHOLDER until the DARTS work lands: the DARTS text parser, DARTS-CC integer JSON,
// named genotypes and Graphviz rendering.
#include "nashost/genotype_formats.hpp"
#include "nashost/error.hpp"
namespace nas {
std::string to_darts_text(const Genotype&, DartsTextLayout) { throw Error("to_darts_text: not yet available"); }
Genotype parse_darts_text(std::string_view) { throw Error("parse_darts_text: not yet available"); }
Genotype named_genotype(const std::string&) { throw Error("not yet available"); }
std::vector<std::string> named_genotype_names() { return {}; }
std::string cell_to_dot(const CellGenotype&, const std::string&) { throw Error("not yet available"); }
std::string dag_to_dot(const std::vector<DagNode>&, const std::string&) { throw Error("not yet available"); }
void render_dot(const std::string&, const std::filesystem::path&) { throw Error("not yet available"); }
}  // namespace nas
