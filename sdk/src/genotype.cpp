#include "nashost/genotype.hpp"

#include <algorithm>

#include "nashost/error.hpp"
#include "nashost/genotype_enas_dag.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"
#include "json_index.hpp"

namespace nas {

namespace {

Json cell_to_json(const CellGenotype& cell) {
  Json nodes = Json::array();
  for (const auto& node : cell.nodes) {
    Json edges = Json::array();
    for (const auto& e : node) edges.push_back(Json::array({e.op, e.input}));
    nodes.push_back(edges);
  }
  return Json{{"nodes", nodes}, {"concat", cell.concat}};
}

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error("invalid genotype JSON at " + where + ": " + what);
}

CellGenotype cell_from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object with 'nodes' and 'concat'");
  CellGenotype cell;
  if (!j.contains("nodes") || !j["nodes"].is_array()) bad(where + "/nodes", "expected a list of nodes");
  const Json& nodes = j["nodes"];
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string nw = where + "/nodes/" + std::to_string(i);
    if (!nodes[i].is_array()) bad(nw, "expected a list of [op, input] edges");
    std::vector<GenotypeEdge> edges;
    for (size_t k = 0; k < nodes[i].size(); ++k) {
      const Json& e = nodes[i][k];
      const std::string ew = nw + "/" + std::to_string(k);
      if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number_integer())
        bad(ew, "expected [\"op_name\", input_index], got " + e.dump());
      const int64_t input = detail::json_int64(e[1]);  // full width: 2^32+1 must not wrap to 1
      if (input < 0 || input >= static_cast<int64_t>(i) + 2)
        bad(ew, "input " + e[1].dump() + " is not an earlier state of node " + std::to_string(i) + " (valid: 0.." +
                    std::to_string(i + 1) + ")");
      edges.push_back({e[0].get<std::string>(), static_cast<int>(input)});
    }
    cell.nodes.push_back(std::move(edges));
  }
  if (j.contains("concat")) {
    if (!j["concat"].is_array()) bad(where + "/concat", "expected a list of state indices");
    for (const auto& c : j["concat"]) {
      if (!c.is_number_integer()) bad(where + "/concat", "expected integers, got " + c.dump());
      const int64_t s = detail::json_int64(c);
      if (s < 0 || s >= static_cast<int64_t>(cell.nodes.size()) + 2)
        bad(where + "/concat",
            "state " + c.dump() + " does not exist (valid: 0.." + std::to_string(cell.nodes.size() + 1) + ")");
      // Each state once: a repeated one would widen the cell output (and its memory) for nothing.
      if (std::find(cell.concat.begin(), cell.concat.end(), s) != cell.concat.end())
        bad(where + "/concat", "state " + c.dump() + " is listed twice");
      cell.concat.push_back(static_cast<int>(s));
    }
  } else {
    for (size_t i = 0; i < cell.nodes.size(); ++i) cell.concat.push_back(static_cast<int>(i) + 2);
  }
  return cell;
}

}  // namespace

Json to_json(const Genotype& g) {
  Json j = Json::object();
  j["format"] = "nashost-genotype";
  j["version"] = 1;
  j["space"] = g.space;
  if (g.is_cell()) {
    j["normal"] = cell_to_json(g.normal);
    j["reduce"] = cell_to_json(g.reduce);
  } else {
    Json dag = Json::array();
    for (const auto& n : g.dag) dag.push_back(Json{{"activation", n.activation}, {"parent", n.parent}});
    j["dag"] = dag;
  }
  j["meta"] = g.meta;
  return j;
}

Genotype genotype_from_json(const Json& j) {
  if (!j.is_object()) bad("/", "expected an object");
  Genotype g;
  if (j.contains("space")) {
    if (!j["space"].is_string()) bad("/space", "expected a string");
    g.space = j["space"].get<std::string>();
  }
  if (g.is_cell()) {
    if (!j.contains("normal")) bad("/normal", "missing");
    if (!j.contains("reduce")) bad("/reduce", "missing");
    g.normal = cell_from_json(j["normal"], "/normal");
    g.reduce = cell_from_json(j["reduce"], "/reduce");
  } else {
    if (!j.contains("dag") || !j["dag"].is_array()) bad("/dag", "expected a list of nodes");
    const Json& dag = j["dag"];
    for (size_t i = 0; i < dag.size(); ++i) {
      const std::string w = "/dag/" + std::to_string(i);
      const Json& n = dag[i];
      if (!n.is_object() || !n.contains("activation") || !n["activation"].is_string() || !n.contains("parent") ||
          !n["parent"].is_number_integer())
        bad(w, "expected {\"activation\": name, \"parent\": index}");
      const int64_t parent = detail::json_int64(n["parent"]);  // full width: no wrap-around
      if (parent < -1 || parent >= static_cast<int64_t>(i))
        bad(w + "/parent", "parent " + n["parent"].dump() + " must be an earlier node (or -1)");
      g.dag.push_back({n["activation"].get<std::string>(), static_cast<int>(parent)});
    }
  }
  if (j.contains("meta")) g.meta = j["meta"];
  return g;
}

void save_genotype(const Genotype& genotype, const std::filesystem::path& file) {
  atomic_write_text(file, to_json(genotype).dump(2) + "\n");
}

Genotype load_genotype(const std::filesystem::path& file, const std::vector<std::string>& op_names) {
  const std::string raw = read_text_file(file);
  const std::string text(without_utf8_bom(raw));  // editors on Windows write one
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw Error("genotype file '" + file.string() + "' is empty");
  try {
    if (text[first] == '{' || text[first] == '[') {
      const Json j = parse_json_text(text, "the JSON");
      if (j.is_array())
        return op_names.empty() ? genotype_from_darts_cc_json(j) : genotype_from_darts_cc_json(j, op_names);
      if (is_enas_dag_json(j)) return genotype_from_enas_dag_json(j);  // carpedm20's dag.json
      return genotype_from_json(j);
    }
    return parse_darts_text(text);
  } catch (const Error& e) {
    throw Error("cannot read genotype '" + file.string() + "': " + e.what());
  }
}

}  // namespace nas
