// carpedm20/ENAS-pytorch's dag.json (nashost/genotype_enas_dag.hpp): read, written back byte
// for byte, and refused with the key of the problem when it is not a cell.
#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/genotype_enas_dag.hpp"
#include "nashost/io.hpp"

namespace {

const std::string kFixture = std::string(NASHOST_SOURCE_DIR) + "/tests/export/fixtures/dag.json";

nas::Genotype parse(const std::string& text) { return nas::genotype_from_enas_dag_json(nas::Json::parse(text)); }

TEST(EnasDagJson, ReadsCarpedm20sFileAndWritesItBackByteForByte) {
  const std::string text = nas::read_text_file(kFixture);
  const nas::Genotype g = nas::load_genotype(kFixture);  // recognised among the genotype formats
  EXPECT_EQ(g.space, "enas-rnn");
  ASSERT_EQ(g.dag.size(), 12u);
  EXPECT_EQ(g.dag[0], (nas::DagNode{"tanh", -1}));
  EXPECT_EQ(g.dag[5], (nas::DagNode{"ReLU", 2}));
  EXPECT_EQ(g.dag[11], (nas::DagNode{"sigmoid", 9}));
  EXPECT_EQ(nas::to_enas_dag_json(g), text);
}

TEST(EnasDagJson, ChainOfOneNode) {
  const nas::Genotype g = parse(R"({"-1": [[0, "ReLU"]], "-2": [[0, "ReLU"]], "0": [[1, "avg"]], "1": [[2, "h[t]"]]})");
  ASSERT_EQ(g.dag.size(), 1u);
  EXPECT_EQ(nas::to_enas_dag_json(g),
            R"({"-1": [[0, "ReLU"]], "-2": [[0, "ReLU"]], "0": [[1, "avg"]], "1": [[2, "h[t]"]]})");
}

TEST(EnasDagJson, RefusesWhatIsNotACell) {
  const auto refused = [](const std::string& text, const std::string& what) {
    try {
      parse(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const nas::Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  refused(R"({"-1": [[0, "tanh"]], "0": [[1, "avg"]]})", "no \"h[t]\" node");
  refused(R"({"-1": [[0, "tanh"]], "0": [[1, "tanh"]], "1": [[5, "avg"]], "2": [[3, "h[t]"]]})", "\"avg\" must lead");
  refused(R"({"-1": [[0, "tanh"]], "0": [[1, "tanh"]], "1": [[1, "tanh"], [2, "avg"]], "2": [[3, "h[t]"]]})",
          "must come after its parent");
  refused(
      R"({"-1": [[0, "tanh"]], "0": [[2, "tanh"], [1, "tanh"]], "1": [[2, "tanh"]], "2": [[3, "avg"]], "3": [[4, "h[t]"]]})",
      "two parents");
  refused(R"({"-1": [[0, "tanh"]], "0": [[1, "tanh"], [2, "avg"]], "1": [[2, "avg"]], "2": [[3, "h[t]"]]})",
          "cannot be an \"avg\" leaf");
  refused(R"({"-1": [[0, "tanh"]], "x": [], "0": [[1, "avg"]], "1": [[2, "h[t]"]]})", "is not a node id");
  // A removed node (an ablation's gap) has no form in this format.
  nas::Genotype gap;
  gap.space = "enas-rnn";
  gap.dag = {{"tanh", -1}, {"none", 0}, {"ReLU", 0}};
  EXPECT_THROW(nas::to_enas_dag_json(gap), nas::Error);
}

}  // namespace
