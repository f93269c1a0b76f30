// DARTS text format, named genotypes and Graphviz output (docs/methods.md, DARTS).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/io.hpp"
#include "nashost/nn/darts_ops.hpp"

namespace {

std::string error_of(const std::string& text, const std::vector<std::string>* ops = nullptr) {
  try {
    if (ops)
      nas::parse_darts_text(text, *ops);
    else
      nas::parse_darts_text(text);
  } catch (const nas::Error& e) {
    return e.what();
  }
  return "";
}

TEST(GenotypeText, Darts_v2_matches_the_paper_cell) {
  const nas::Genotype g = nas::named_genotype("DARTS_V2");
  ASSERT_EQ(g.normal.nodes.size(), 4u);
  EXPECT_EQ(g.normal.nodes[2][0], (nas::GenotypeEdge{"sep_conv_3x3", 1}));
  EXPECT_EQ(g.normal.nodes[2][1], (nas::GenotypeEdge{"skip_connect", 0}));
  EXPECT_EQ(g.normal.nodes[3][1], (nas::GenotypeEdge{"dil_conv_3x3", 2}));
  EXPECT_EQ(g.reduce.nodes[1][0], (nas::GenotypeEdge{"skip_connect", 2}));
  EXPECT_EQ(g.reduce.nodes[3][1], (nas::GenotypeEdge{"max_pool_3x3", 1}));
  EXPECT_EQ(g.normal.concat, (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(nas::named_genotype("DARTS"), g);
  EXPECT_NE(nas::named_genotype("DARTS_V1"), g);
  EXPECT_THROW(nas::named_genotype("NOPE"), nas::Error);
}

TEST(GenotypeText, Round_trips_in_both_layouts) {
  for (const auto& name : {"DARTS_V1", "DARTS_V2"}) {
    const nas::Genotype g = nas::named_genotype(name);
    const std::string flat = nas::to_darts_text(g, nas::DartsTextLayout::Flat);
    const std::string nested = nas::to_darts_text(g, nas::DartsTextLayout::Nested);
    EXPECT_NE(flat, nested);
    EXPECT_NE(nested.find("[[('"), std::string::npos) << nested;
    EXPECT_EQ(nas::parse_darts_text(flat), g);
    EXPECT_EQ(nas::parse_darts_text(nested), g);
    EXPECT_EQ(nas::to_darts_text(nas::parse_darts_text(nested)), flat);
  }
}

TEST(GenotypeText, Accepts_both_concat_spellings_prefix_and_whitespace) {
  const std::string a =
      "genotype = Genotype(\n\tnormal=[\n  [(\"sep_conv_3x3\", 0), ('skip_connect', 1)],\n"
      "  [('dil_conv_5x5', 2), ('avg_pool_3x3', 0)]],\n normal_concat=range(2, 4),\n"
      " reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('none', 1)],"
      " reduce_concat=[2, 3])";
  const nas::Genotype g = nas::parse_darts_text(a);
  EXPECT_EQ(g.normal.concat, (std::vector<int>{2, 3}));
  EXPECT_EQ(g.reduce.concat, (std::vector<int>{2, 3}));
  EXPECT_EQ(g.normal.nodes[1][0], (nas::GenotypeEdge{"dil_conv_5x5", 2}));
  EXPECT_EQ(g.reduce.nodes[1][1], (nas::GenotypeEdge{"none", 1}));
}

TEST(GenotypeText, Errors_name_line_and_column) {
  const std::string bad_input = "Genotype(normal=[('sep_conv_3x3', 0),\n ('sep_conv_3x3', 7)], reduce=[])";
  const std::string e1 = error_of(bad_input);
  EXPECT_NE(e1.find("line 2, column 19"), std::string::npos) << e1;
  EXPECT_NE(e1.find("input 7"), std::string::npos) << e1;

  const std::string e2 = error_of("Genotype(normal=[('sep_conv_3x3', 0)], reduce=[])");
  EXPECT_NE(e2.find("two (op, input) pairs"), std::string::npos) << e2;
  EXPECT_NE(error_of("Genotype(normal=[], colour=[])").find("unknown field 'colour'"), std::string::npos);
  EXPECT_NE(error_of("no genotype here").find("line 1, column 1"), std::string::npos);
  EXPECT_NE(error_of("Genotype(normal=[('a', 0), ('b', 1)]").find("unexpected end"), std::string::npos);

  const auto& ops = nas::nn::darts_primitives();
  const std::string text = "Genotype(normal=[('sep_conv_3x3', 0), ('conv_7x1_1x7', 1)], reduce=[])";
  EXPECT_EQ(error_of(text), "");  // without an op list any name is accepted
  const std::string e3 = error_of(text, &ops);
  EXPECT_NE(e3.find("unknown op 'conv_7x1_1x7'"), std::string::npos) << e3;
  EXPECT_NE(e3.find("column 40"), std::string::npos) << e3;
}

TEST(GenotypeText, Flat_layout_refuses_nodes_with_other_than_two_edges) {
  nas::Genotype g = nas::named_genotype("DARTS_V2");
  g.normal.nodes[0].pop_back();
  EXPECT_THROW(nas::to_darts_text(g, nas::DartsTextLayout::Flat), nas::Error);
  EXPECT_EQ(nas::parse_darts_text(nas::to_darts_text(g, nas::DartsTextLayout::Nested)), g);
}

TEST(GenotypeText, Load_genotype_reads_the_text_form) {
  const auto dir = std::filesystem::temp_directory_path() / "nashost_genotype_text_test";
  std::filesystem::create_directories(dir);
  nas::atomic_write_text(dir / "genotype.arch", nas::to_darts_text(nas::named_genotype("DARTS_V1")) + "\n");
  EXPECT_EQ(nas::load_genotype(dir / "genotype.arch"), nas::named_genotype("DARTS_V1"));
}

TEST(GenotypeDot, Cell_in_darts_style_and_rendered_by_graphviz) {
  const nas::Genotype g = nas::named_genotype("DARTS_V2");
  const std::string dot = nas::cell_to_dot(g.normal, "Epoch 3");
  EXPECT_NE(dot.find("rankdir=LR"), std::string::npos);
  EXPECT_NE(dot.find("\"c_{k-2}\" [fillcolor=darkseagreen2]"), std::string::npos);
  EXPECT_NE(dot.find("\"0\" [fillcolor=lightblue]"), std::string::npos);
  EXPECT_NE(dot.find("\"c_{k}\" [fillcolor=palegoldenrod]"), std::string::npos);
  EXPECT_NE(dot.find("\"0\" -> \"3\" [label=\"dil_conv_3x3\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"3\" -> \"c_{k}\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"Epoch 3\""), std::string::npos);
  const auto dir = std::filesystem::temp_directory_path() / "nashost_genotype_dot_test";
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / "normal.png");
  nas::render_dot(dot, dir / "normal.png");
  ASSERT_TRUE(std::filesystem::exists(dir / "normal.dot"));
  ASSERT_TRUE(std::filesystem::exists(dir / "normal.png"));
  std::ifstream png(dir / "normal.png", std::ios::binary);
  char magic[4] = {};
  png.read(magic, 4);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  EXPECT_THROW(nas::render_dot(dot, dir / "normal.gif"), nas::Error);
  const std::string dag = nas::dag_to_dot({{"tanh", -1}, {"relu", 0}, {"sigmoid", 0}}, "rnn");
  EXPECT_NE(dag.find("\"1\" -> \"h_{t}\""), std::string::npos);
  EXPECT_EQ(dag.find("\"0\" -> \"h_{t}\""), std::string::npos);
}

}  // namespace
