// One ENAS strategy per search space ("enas-rnn", "enas-cnn", "enas-cnn-macro"): each declares
// only the options its space reads, with that space's defaults, and runs the same search as
// the deprecated all-in-one "enas" with network / cnn_space set (same weights, same genotype).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <ATen/ATen.h>

#include "cnn/cnn_search.hpp"
#include "cnn_test_util.hpp"
#include "common/search_options.hpp"
#include "enas_test_util.hpp"
#include "rnn/rnn_search.hpp"
#include "rnn/token_dataset.hpp"

using namespace nas::enas;

namespace {
std::set<std::string> keys_of(const nas::OptionList& list) {
  std::set<std::string> keys;
  for (const auto& spec : list) keys.insert(spec.key);
  return keys;
}

const nas::OptionSpec& spec_of(const nas::OptionList& list, const std::string& key) {
  auto it = std::find_if(list.begin(), list.end(), [&](const nas::OptionSpec& s) { return s.key == key; });
  if (it == list.end()) throw std::runtime_error("no option " + key);
  return *it;
}

// The union list's view of a space: network / cnn_space set, "auto" resolved.
nas::Config union_view(SearchSpace space) {
  nas::Json j = {{"network", space == SearchSpace::Rnn ? "rnn" : "cnn"},
                 {"cnn_space", space == SearchSpace::CnnMacro ? "macro" : "micro"}};
  return resolve_network_defaults(nas::Config::validated(j, search_options(), "search"));
}

std::shared_ptr<TokenDataset> random_corpus() {
  auto tokens = [](int64_t n, uint64_t seed) {
    at::Generator g = at::detail::createCPUGenerator(seed);
    return at::randint(20, {n}, g, at::TensorOptions().dtype(at::kLong));
  };
  return std::make_shared<TokenDataset>(
      "toy", 20,
      std::map<nas::Split, at::Tensor>{
          {nas::Split::Train, tokens(600, 1)}, {nas::Split::Valid, tokens(200, 2)}, {nas::Split::Test, tokens(200, 3)}},
      true, "synthetic");
}

// What one epoch of a search leaves: its weights, metrics and derived genotype.
struct Outcome {
  std::vector<at::Tensor> weights;
  nas::Metrics metrics;
  std::string genotype;
};

// Runs one epoch of a search made by `make` (after it is made: searches draw from the global
// generator, which each constructor seeds, so one must finish before the other starts).
template <class Search, class Make>
Outcome one_epoch(const Make& make) {
  std::unique_ptr<Search> s = make();
  Outcome o;
  o.metrics = s->run_epoch();
  for (auto& p : s->shared().parameters()) o.weights.push_back(p.detach().clone());
  for (auto& p : s->controller().parameters()) o.weights.push_back(p.detach().clone());
  o.genotype = nas::to_json(s->derive(nas::Config(nas::Json{{"samples", 3}}))[0]).dump();
  return o;
}

void expect_same(const Outcome& a, const Outcome& b) {
  ASSERT_EQ(a.weights.size(), b.weights.size());
  for (size_t i = 0; i < a.weights.size(); ++i) ASSERT_TRUE(at::equal(a.weights[i], b.weights[i])) << "tensor " << i;
  for (const auto& [name, value] : a.metrics) EXPECT_EQ(value, b.metrics.at(name)) << name;
  EXPECT_EQ(a.genotype, b.genotype);
}
}  // namespace

TEST(EnasSpaces, EachSpaceDeclaresOnlyTheOptionsItReads) {
  const auto rnn = keys_of(search_options(SearchSpace::Rnn));
  const auto micro = keys_of(search_options(SearchSpace::CnnMicro));
  const auto macro = keys_of(search_options(SearchSpace::CnnMacro));
  for (const auto* keys : {&rnn, &micro, &macro}) {
    EXPECT_EQ(keys->count("network"), 0u);
    EXPECT_EQ(keys->count("cnn_space"), 0u);
    for (const char* shared : {"epochs", "controller_lr", "entropy_coeff", "batch_size", "shared_lr", "micro_batches"})
      EXPECT_EQ(keys->count(shared), 1u) << shared;
  }
  for (const char* own : {"hidden", "embed", "bptt", "reward_c", "architecture", "shared_decay", "num_blocks"})
    EXPECT_EQ(rnn.count(own), 1u) << own;
  for (const char* foreign : {"channels", "skip_target", "op_tanh_reduce", "lr_t0", "auxiliary"})
    EXPECT_EQ(rnn.count(foreign), 0u) << foreign;
  for (const char* own : {"num_blocks", "op_tanh_reduce", "channels", "num_layers", "lr_t0", "operation_set"})
    EXPECT_EQ(micro.count(own), 1u) << own;
  for (const char* foreign : {"hidden", "bptt", "skip_target", "auxiliary", "reward_c", "shared_decay"})
    EXPECT_EQ(micro.count(foreign), 0u) << foreign;
  for (const char* own : {"skip_target", "skip_weight", "auxiliary", "aux_weight", "channels", "num_layers"})
    EXPECT_EQ(macro.count(own), 1u) << own;
  for (const char* foreign : {"num_blocks", "op_tanh_reduce", "operation_set", "hidden", "bptt"})
    EXPECT_EQ(macro.count(foreign), 0u) << foreign;
  // together they declare every option of "enas" except the two that choose the space
  std::set<std::string> all = rnn;
  all.insert(micro.begin(), micro.end());
  all.insert(macro.begin(), macro.end());
  auto union_keys = keys_of(search_options());
  union_keys.erase("network");
  union_keys.erase("cnn_space");
  EXPECT_EQ(all, union_keys);
}

TEST(EnasSpaces, DefaultsAreTheSpacesOwnAndHelpHasNoScopePrefix) {
  for (SearchSpace space : {SearchSpace::Rnn, SearchSpace::CnnMicro, SearchSpace::CnnMacro}) {
    const nas::Config view = union_view(space);
    for (const auto& spec : search_options(space)) {
      EXPECT_EQ(spec.default_value, view.json().at(spec.key)) << strategy_name(space) << " " << spec.key;
      EXPECT_NE(spec.default_value, "auto") << spec.key;
      EXPECT_FALSE(spec.help.empty()) << spec.key;
      for (const char* prefix : {"cnn:", "rnn:", "cnn macro:"})
        EXPECT_NE(spec.help.rfind(prefix, 0), 0u) << strategy_name(space) << " " << spec.key << ": " << spec.help;
    }
  }
  EXPECT_EQ(spec_of(search_options(SearchSpace::Rnn), "num_blocks").default_value, 12);
  EXPECT_EQ(spec_of(search_options(SearchSpace::CnnMicro), "num_blocks").default_value, 5);
  EXPECT_EQ(spec_of(search_options(SearchSpace::CnnMacro), "channels").default_value, 36);
  EXPECT_EQ(spec_of(search_options(SearchSpace::CnnMicro), "train_type").help, "orig or random");
  EXPECT_STREQ(strategy_name(SearchSpace::CnnMacro), "enas-cnn-macro");
}

TEST(EnasSpaces, OptionsOfASpaceBecomeTheSearchsViewWithTheUsersValues) {
  const nas::Config mine =
      nas::Config::validated({{"channels", 8}, {"skip_weight", 0.5}}, search_options(SearchSpace::CnnMacro), "search");
  const nas::Config full = as_search_options(mine, SearchSpace::CnnMacro);
  EXPECT_EQ(full.get_string("network"), "cnn");
  EXPECT_EQ(full.get_string("cnn_space"), "macro");
  EXPECT_EQ(full.get_int("channels"), 8);
  EXPECT_DOUBLE_EQ(full.get_float("skip_weight"), 0.5);
  EXPECT_EQ(full.get_int("num_layers"), 12);  // the macro default
  EXPECT_EQ(full.full_key("channels"), "search.channels");
  // an option of another space is refused by the space's own list
  EXPECT_THROW(nas::Config::validated({{"hidden", 10}}, search_options(SearchSpace::CnnMacro), "search"),
               nas::ConfigError);
}

TEST(EnasSpaces, RnnSpaceRunsTheSameSearchAsTheOldComponent) {
  const nas::Json tiny = {{"num_blocks", 4},       {"embed", 8},          {"hidden", 8},        {"batch_size", 4},
                          {"eval_batch_size", 4},  {"bptt", 5},           {"epochs", 1},        {"shared_steps", 4},
                          {"controller_steps", 3}, {"controller_hid", 8}, {"derive_samples", 3}};
  auto data = random_corpus();
  auto ctx_a = enas_test::context("space-rnn-a", 5), ctx_b = enas_test::context("space-rnn-b", 5);
  nas::Json old = tiny;
  old["network"] = "rnn";
  const Outcome a = one_epoch<EnasRnnSearch>([&] {
    return std::make_unique<EnasRnnSearch>(nas::Config::validated(old, search_options(), "search"), data, *ctx_a);
  });
  const Outcome b = one_epoch<EnasRnnSearch>([&] {
    return std::make_unique<EnasRnnSearch>(
        as_search_options(nas::Config::validated(tiny, search_options(SearchSpace::Rnn), "search"), SearchSpace::Rnn),
        data, *ctx_b);
  });
  expect_same(a, b);
}

TEST(EnasSpaces, CnnSpacesRunTheSameSearchAsTheOldComponent) {
  for (SearchSpace space : {SearchSpace::CnnMicro, SearchSpace::CnnMacro}) {
    nas::Json tiny = {{"channels", 4},       {"num_layers", 3},       {"epochs", 1},
                      {"shared_steps", 2},   {"controller_steps", 1}, {"controller_num_aggregate", 2},
                      {"batch_size", 16},    {"eval_batch_size", 16}, {"derive_samples", 3},
                      {"controller_hid", 8}, {"augment", false},      {"lr_t0", 1}};
    if (space == SearchSpace::CnnMicro) tiny["num_blocks"] = 3;
    auto data = std::make_shared<enas_cnn_test::TinyImages>();
    auto ctx_a = enas_cnn_test::context("space-a"), ctx_b = enas_cnn_test::context("space-b");
    nas::Json old = tiny;
    old["network"] = "cnn";
    old["cnn_space"] = space == SearchSpace::CnnMacro ? "macro" : "micro";
    SCOPED_TRACE(strategy_name(space));
    const Outcome a = one_epoch<EnasCnnSearch>([&] {
      return std::make_unique<EnasCnnSearch>(nas::Config::validated(old, search_options(), "search"), data, *ctx_a);
    });
    const Outcome b = one_epoch<EnasCnnSearch>([&] {
      return std::make_unique<EnasCnnSearch>(
          as_search_options(nas::Config::validated(tiny, search_options(space), "search"), space), data, *ctx_b);
    });
    expect_same(a, b);
  }
}
