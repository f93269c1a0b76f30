// PLACEHOLDER until the DARTS-CC work lands: the DARTS-CC integer genotype JSON.
#include "nashost/genotype_formats.hpp"
#include "nashost/error.hpp"
namespace nas {
const std::vector<std::string>& darts_cc_op_order() { static std::vector<std::string> v; return v; }
Json to_darts_cc_json(const Genotype&, const std::vector<std::string>&) { throw Error("not yet available"); }
Genotype genotype_from_darts_cc_json(const Json&, const std::vector<std::string>&) { throw Error("not yet available"); }
}  // namespace nas
