// Genotype files are data: out-of-range numbers are refused (never wrapped into a valid
// index or expanded into gigabytes), directories and byte-order marks are handled, and every
// message says what is wrong.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/genotype.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/support/remove_tree.hpp"

namespace fs = std::filesystem;

namespace {

/// A fresh folder per test (pid + counter), removed at the end.
struct TempDir {
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("nashost-genotype-hardening-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    nas::remove_tree(path);
    fs::create_directories(path);
  }
  ~TempDir() { nas::remove_tree(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
  fs::path path;
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const nas::Error& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A cell genotype JSON whose normal node 0 reads `input` and whose normal concat is `concat`.
// (Json::array throughout: nlohmann reads a braced list of [string, value] pairs as an object.)
nas::Json cell_json(const nas::Json& input, const nas::Json& concat) {
  auto edge = [](const nas::Json& in) { return nas::Json::array({"skip_connect", in}); };
  auto cell = [&](const nas::Json& in, const nas::Json& cat) {
    nas::Json c = nas::Json::object();
    c["nodes"] = nas::Json::array({nas::Json::array({edge(in), edge(1)})});
    c["concat"] = cat;
    return c;
  };
  nas::Json j = nas::Json::object();
  j["space"] = "darts";
  j["normal"] = cell(input, concat);
  j["reduce"] = cell(0, nas::Json::array({2}));
  return j;
}

TEST(GenotypeLimits, Json_input_index_beyond_32_bits_does_not_wrap) {
  // 2^32 + 1 used to become input 1 (get<int> narrows), a valid state.
  const std::string e = error_of([] { nas::genotype_from_json(cell_json(4294967297LL, nas::Json::array({2}))); });
  EXPECT_TRUE(has(e, "input 4294967297 is not an earlier state")) << e;
  EXPECT_TRUE(has(e, "/normal/nodes/0/0")) << e;
  const std::string u =
      error_of([] { nas::genotype_from_json(cell_json(18446744073709551615ULL, nas::Json::array({2}))); });
  EXPECT_TRUE(has(u, "input 18446744073709551615")) << u;
}

TEST(GenotypeLimits, Json_concat_beyond_32_bits_and_repeated_states_are_refused) {
  const std::string e = error_of([] { nas::genotype_from_json(cell_json(0, nas::Json::array({4294967298LL}))); });
  EXPECT_TRUE(has(e, "state 4294967298 does not exist")) << e;
  const std::string d = error_of([] { nas::genotype_from_json(cell_json(0, nas::Json::array({2, 2}))); });
  EXPECT_TRUE(has(d, "state 2 is listed twice")) << d;
}

TEST(GenotypeLimits, Json_dag_parent_beyond_32_bits_does_not_wrap) {
  // 2^32 would become parent 0 of node 1: a valid DAG.
  const nas::Json j{
      {"space", "enas-rnn"},
      {"dag", {{{"activation", "tanh"}, {"parent", -1}}, {{"activation", "relu"}, {"parent", 4294967296LL}}}}};
  const std::string e = error_of([&] { nas::genotype_from_json(j); });
  EXPECT_TRUE(has(e, "parent 4294967296 must be an earlier node")) << e;
}

TEST(GenotypeLimits, Darts_cc_op_index_is_reported_as_written) {
  const nas::Json j = nas::Json::parse("[[[0, 18446744073709551615]], [[0, 1]]]");
  const std::string e = error_of([&] { nas::genotype_from_darts_cc_json(j); });
  EXPECT_TRUE(has(e, "op index 18446744073709551615 out of range")) << e;
}

TEST(GenotypeLimits, Darts_text_integers_beyond_range_name_line_and_column) {
  // std::stoi used to throw a bare std::out_of_range("stoi").
  const std::string text = "Genotype(normal=[('sep_conv_3x3', 0),\n ('sep_conv_3x3', 4294967297)], reduce=[])";
  const std::string e = error_of([&] { nas::parse_darts_text(text); });
  EXPECT_TRUE(has(e, "input 4294967297 of node 0 is not an earlier state")) << e;
  EXPECT_TRUE(has(e, "line 2")) << e;
  const std::string huge = "Genotype(normal=[('a', 0), ('b', 99999999999999999999)], reduce=[])";
  const std::string h = error_of([&] { nas::parse_darts_text(huge); });
  EXPECT_TRUE(has(h, "integer 99999999999999999999 is out of range")) << h;
}

TEST(GenotypeLimits, Darts_text_huge_concat_range_is_refused_without_expanding_it) {
  // Expanding this range asked for 2^32 ints (17 GB) before the states were checked.
  const std::string text =
      "Genotype(normal=[('a', 0), ('b', 1)], normal_concat=range(-2147483647, 2147483647),\n"
      " reduce=[('a', 0), ('b', 1)], reduce_concat=range(2, 3))";
  const std::string e = error_of([&] { nas::parse_darts_text(text); });
  EXPECT_TRUE(has(e, "normal_concat = range(-2147483647, 2147483647) names states")) << e;
  EXPECT_TRUE(has(e, "only states 0..2")) << e;
  EXPECT_TRUE(has(e, "line 1")) << e;
  const std::string twice = "Genotype(normal=[('a', 0), ('b', 1)], normal_concat=[2, 2], reduce=[('a', 0), ('b', 1)])";
  EXPECT_TRUE(has(error_of([&] { nas::parse_darts_text(twice); }), "names state 2 twice"));
  // The ordinary forms still read as before.
  const nas::Genotype g = nas::parse_darts_text(
      "Genotype(normal=[('a', 0), ('b', 1)], normal_concat=range(2, 3), reduce=[('a', 0), ('b', 1)], "
      "reduce_concat=[2])");
  EXPECT_EQ(g.normal.concat, std::vector<int>{2});
  EXPECT_EQ(g.reduce.concat, std::vector<int>{2});
}

TEST(GenotypeFiles, A_directory_is_named_as_such) {
  TempDir tmp;
  fs::create_directories(tmp.path / "genotype.json");
  const std::string e = error_of([&] { nas::load_genotype(tmp.path / "genotype.json"); });
  EXPECT_TRUE(has(e, "genotype.json")) << e;
  EXPECT_TRUE(has(e, "is a directory")) << e;
  const std::string m = error_of([&] { nas::load_genotype(tmp.path / "absent.json"); });
  EXPECT_TRUE(has(m, "No such file or directory")) << m;
}

TEST(GenotypeFiles, An_unreadable_path_says_why) {
  TempDir tmp;
  const fs::path file = tmp.write("g.json", nas::to_json(nas::named_genotype("DARTS_V2")).dump());
  const std::string e = error_of([&] { nas::load_genotype(file / "inside.json"); });
  EXPECT_TRUE(has(e, "Not a directory")) << e;  // errno's reason, not a bare "cannot read"
}

TEST(GenotypeFiles, A_utf8_byte_order_mark_before_json_is_accepted) {
  TempDir tmp;
  const std::string bom = "\xEF\xBB\xBF";
  const nas::Genotype v2 = nas::named_genotype("DARTS_V2");
  const fs::path ours = tmp.write("ours.json", bom + nas::to_json(v2).dump(2));
  EXPECT_EQ(nas::load_genotype(ours).normal, v2.normal);
  const fs::path cc = tmp.write("cc.json", bom + nas::to_darts_cc_json(v2).dump());
  // The integer format keeps edges in input order: compare in that form.
  EXPECT_EQ(nas::to_darts_cc_json(nas::load_genotype(cc)), nas::to_darts_cc_json(v2));
}

}  // namespace
