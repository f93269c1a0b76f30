// DAG helpers: validation, hardcoded shapes, node removal with reconnection, activation replacement.
#include <gtest/gtest.h>

#include "rnn/rnn_dag.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype.hpp"

using namespace nas::enas;

namespace {
const std::vector<std::string> kActs = {"tanh", "ReLU", "identity", "sigmoid"};

// 0 -> 1 -> {2, 3}; 2 -> 4; 3 leaf; 4 -> 5 (last)
Dag sample_dag() { return {{"tanh", -1}, {"ReLU", 0}, {"identity", 1}, {"sigmoid", 1}, {"tanh", 2}, {"ReLU", 4}}; }
}  // namespace

TEST(EnasDag, LeavesAndChildren) {
  Dag d = sample_dag();
  EXPECT_EQ(leaves(d), (std::vector<int>{3, 5}));
  EXPECT_EQ(children_of(d, 1), (std::vector<int>{2, 3}));
  EXPECT_NO_THROW(validate_dag(d, kActs, "t"));
}

TEST(EnasDag, ValidationRejectsBadDags) {
  Dag d = sample_dag();
  d[3].parent = 4;  // not an earlier node
  EXPECT_THROW(validate_dag(d, kActs, "t"), nas::Error);
  d = sample_dag();
  d[2].activation = "gelu";
  EXPECT_THROW(validate_dag(d, kActs, "t"), nas::Error);
  d = sample_dag();
  d[5].activation = kRemoved;  // the hidden-producing node must stay
  EXPECT_THROW(validate_dag(d, kActs, "t"), nas::Error);
}

TEST(EnasDag, FixedShapes) {
  EXPECT_EQ(fixed_parents("chain", 5), (std::vector<int>{-1, 0, 1, 2, 3}));
  EXPECT_EQ(fixed_parents("tree", 7), (std::vector<int>{-1, 0, 0, 1, 1, 2, 2}));
  EXPECT_THROW(fixed_parents("star", 3), nas::ConfigError);
}

TEST(EnasDag, RemovalReconnectsChildrenToParent) {
  Dag d = remove_node(sample_dag(), 2);  // 2's child 4 now hangs off 1
  EXPECT_EQ(d[2].activation, kRemoved);
  EXPECT_EQ(d[4].parent, 1);
  EXPECT_EQ(d[4].activation, "tanh");  // keeps its own activation
  EXPECT_NO_THROW(validate_dag(d, kActs, "t"));
  EXPECT_EQ(leaves(d), (std::vector<int>{3, 5}));
}

TEST(EnasDag, RemovingOnlyChildLeafMakesParentALeaf) {
  // 0 -> 1 -> 2 (leaf), 0 -> 3 (last)
  Dag d{{"tanh", -1}, {"ReLU", 0}, {"identity", 1}, {"tanh", 0}};
  Dag r = remove_node(d, 2);
  EXPECT_EQ(leaves(r), (std::vector<int>{1, 3}));
  EXPECT_NO_THROW(validate_dag(r, kActs, "t"));
  // A leaf whose parent keeps other children just disappears.
  Dag s = remove_node(sample_dag(), 3);
  EXPECT_EQ(leaves(s), (std::vector<int>{5}));
}

TEST(EnasDag, EveryRemovableNodeOfEveryChainAndTreeKeepsTheDagValid) {
  for (const char* arch : {"chain", "tree"}) {
    const auto parents = fixed_parents(arch, 12);
    Dag d;
    for (int k = 0; k < 12; ++k) d.push_back({kActs[k % 4], parents[k]});
    for (int r = 1; r <= 10; ++r) {
      Dag e = remove_node(d, r);
      EXPECT_NO_THROW(validate_dag(e, kActs, "t")) << arch << " remove " << r;
      EXPECT_EQ(live_count(e), 11);
      // Removing a second node after the first (gaps are allowed).
      const int r2 = r == 1 ? 2 : 1;
      EXPECT_NO_THROW(validate_dag(remove_node(e, r2), kActs, "t"));
    }
    EXPECT_THROW(remove_node(d, 0), nas::Error);
    EXPECT_THROW(remove_node(d, 11), nas::Error);
  }
}

TEST(EnasDag, ActivationReplacementSkipsGaps) {
  Dag d = replace_activations(remove_node(sample_dag(), 2), "sigmoid");
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(d[i].activation, i == 2 ? kRemoved : "sigmoid");
}

TEST(EnasDag, GenotypeJsonRoundTripKeepsGaps) {
  nas::Genotype g = dag_genotype(remove_node(sample_dag(), 2));
  nas::Genotype back = nas::genotype_from_json(nas::to_json(g));
  EXPECT_EQ(back, g);
  EXPECT_EQ(genotype_dag(back, "t")[2].activation, kRemoved);
  nas::Genotype cell;
  EXPECT_THROW(genotype_dag(cell, "t"), nas::Error);
}
