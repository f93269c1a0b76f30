// Genotype files in every format load_genotype reads (sdk/src/genotype*.cpp): our JSON
// (cells, and the ENAS RNN DAG as space "enas-rnn"), the DARTS `Genotype(...)` text and
// the DARTS-CC integer JSON. What loads is then used the ways the host and the plugins use
// it: written in every format and read back (a writer must produce what its reader accepts:
// checked in strict mode), drawn as Graphviz, and turned into the ENAS DAG / CNN arc /
// macro arc (plugins/search_enas/src/{rnn/rnn_dag,cnn/micro/micro_arc,cnn/macro/macro_arc}.cpp, compiled in).
#include "cnn/micro/micro_arc.hpp"
#include "rnn/rnn_dag.hpp"
#include "fuzz_util.hpp"
#include "cnn/macro/macro_arc.hpp"
#include "nashost/genotype.hpp"
#include "nashost/genotype_formats.hpp"

namespace {

using nas::fuzz::finding;
using nas::fuzz::guarded;

const std::vector<std::string> kEnasCnnOps = {"sep_conv_3x3", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3",
                                              "identity"};
const std::vector<std::string> kEnasActivations = {"tanh", "ReLU", "identity", "sigmoid"};

void use_cells(const nas::Genotype& g) {
  guarded([&] { (void)nas::cell_to_dot(g.normal, "normal"); });
  guarded([&] { (void)nas::cell_to_dot(g.reduce, "reduce"); });
  for (auto layout : {nas::DartsTextLayout::Flat, nas::DartsTextLayout::Nested}) {
    guarded([&] {
      const std::string text = nas::to_darts_text(g, layout);
      try {
        if (!(nas::parse_darts_text(text) == nas::Genotype{"darts", g.normal, g.reduce, {}}))
          finding("DARTS text round trip changes the genotype");
      } catch (const nas::Error& e) {
        finding(std::string("to_darts_text wrote text parse_darts_text rejects: ") + e.what());
      }
    });
  }
  guarded([&] {
    const nas::Json cc = nas::to_darts_cc_json(g);
    try {
      (void)nas::genotype_from_darts_cc_json(nas::Json::parse(cc.dump()));
    } catch (const nas::Error& e) {
      finding(std::string("to_darts_cc_json wrote JSON genotype_from_darts_cc_json rejects: ") + e.what());
    }
  });
  if (g.space == "enas-cnn")
    guarded([&] {
      const auto arc = nas::enas::genotype_arc(g, kEnasCnnOps, "fuzz");
      (void)nas::enas::arc_summary(arc, kEnasCnnOps);
      if (!(nas::enas::arc_from_json(nas::enas::arc_to_json(arc)) == arc)) finding("ENAS CNN arc JSON round trip");
    });
  if (g.space == "enas-cnn-macro")
    guarded([&] {
      const auto arc = nas::enas::genotype_macro(g, "fuzz");
      (void)nas::enas::macro_summary(arc);
      const auto seq = nas::enas::macro_to_seq(arc);
      if (!(nas::enas::macro_from_seq(seq, arc.layers()) == arc)) finding("ENAS macro arc sequence round trip");
    });
}

void use_dag(const nas::Genotype& g) {
  guarded([&] { (void)nas::dag_to_dot(g.dag, "dag"); });
  guarded([&] {
    const auto& dag = nas::enas::genotype_dag(g, "fuzz");
    nas::enas::validate_dag(dag, kEnasActivations, "fuzz");
    (void)nas::enas::leaves(dag);
    (void)nas::enas::dag_summary(dag);
    (void)nas::enas::replace_activations(dag, "tanh");
    for (int node = 0; node < static_cast<int>(dag.size()) && node < 16; ++node)
      guarded([&] { (void)nas::enas::remove_node(dag, node); });
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = nas::fuzz::write_file("genotype.txt", data, size);
  guarded([&] {
    const nas::Genotype g = nas::load_genotype(file);
    // Our JSON is the native format: everything loaded must survive it unchanged.
    const nas::Json j = nas::to_json(g);
    try {
      if (!(nas::genotype_from_json(nas::Json::parse(j.dump())) == g)) finding("genotype JSON round trip changes it");
    } catch (const nas::Error& e) {
      finding(std::string("to_json wrote JSON genotype_from_json rejects: ") + e.what());
    }
    if (g.is_cell())
      use_cells(g);
    else
      use_dag(g);
  });
  return 0;
}
