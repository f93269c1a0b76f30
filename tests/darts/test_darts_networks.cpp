// DARTS search and evaluation networks: published parameter counts (docs/methods.md, DARTS),
// the channel walk, weight layouts and the discrete forward.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/darts_search_network.hpp"

namespace {

std::shared_ptr<const nas::OperationSet> ops() { return std::make_shared<nas::nn::DartsOperationSet>(); }

nas::nn::SearchNetworkOptions search_opts(int64_t in, int64_t out) {
  nas::nn::SearchNetworkOptions o;
  o.in_channels = in;
  o.num_outputs = out;
  return o;
}

TEST(DartsSearchNetwork, Published_parameter_counts) {
  EXPECT_EQ(nas::count_parameters(*nas::nn::DartsSearchNetwork(search_opts(3, 10), ops())), 1930618);
  EXPECT_EQ(nas::count_parameters(*nas::nn::DartsSearchNetwork(search_opts(1, 10), ops())), 1929754);
  EXPECT_EQ(nas::count_parameters(*nas::nn::DartsSearchNetwork(search_opts(1, 1), ops())), 1927441);
}

TEST(DartsSearchNetwork, Cell_layout_of_the_cifar_supernet) {
  nas::nn::DartsSearchNetwork net(search_opts(3, 10), ops());
  EXPECT_EQ(net->num_edges(), 14);
  EXPECT_EQ(net->num_ops(), 8);
  EXPECT_EQ(net->feature_dim(), 256);
  const std::vector<std::pair<bool, int64_t>> expected{{false, 16}, {false, 16}, {true, 32},  {false, 32},
                                                       {false, 32}, {true, 64},  {false, 64}, {false, 64}};
  ASSERT_EQ(net->cells().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(net->cells()[i].reduction, expected[i].first) << i;
    EXPECT_EQ(net->cells()[i].channels, expected[i].second) << i;
  }
  EXPECT_EQ(nas::nn::reduction_cells(20), (std::vector<int64_t>{6, 13}));
  EXPECT_EQ(nas::nn::reduction_cells(5), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(nas::nn::auxiliary_head_cell(20), 13);  // the second reduction, as pt.darts
  EXPECT_EQ(nas::nn::auxiliary_head_cell(8), 5);
}

nas::nn::DartsSearchNetwork tiny_net() {
  nas::nn::SearchNetworkOptions o;
  o.in_channels = 1;
  o.num_outputs = 3;
  o.channels = 2;
  o.layers = 3;
  o.nodes = 2;
  return nas::nn::DartsSearchNetwork(o, ops());
}

TEST(DartsSearchNetwork, Shared_and_per_example_weights_agree) {
  torch::manual_seed(0);
  auto net = tiny_net();
  const at::Tensor x = at::randn({4, 1, 8, 8});
  const at::Tensor w = at::softmax(at::randn({net->num_edges(), net->num_ops()}), -1);
  const at::Tensor shared = net->forward(x, w, w);
  EXPECT_EQ(shared.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(net->features(x, w, w).sizes(), (std::vector<int64_t>{4, net->feature_dim()}));
  const at::Tensor wn = w.unsqueeze(0).expand({4, -1, -1});
  EXPECT_TRUE(at::allclose(net->forward(x, wn, wn), shared, 1e-5, 1e-6));
  // Per-example weights really act per example: changing example 3's weights leaves 0..2 alone
  // (eval mode so that BN does not couple the examples).
  net->eval();
  at::Tensor w2 = wn.clone();
  w2[3] = at::softmax(at::randn({net->num_edges(), net->num_ops()}), -1);
  const at::Tensor a = net->forward(x, wn, wn), b = net->forward(x, w2, w2);
  EXPECT_TRUE(at::allclose(a.slice(0, 0, 3), b.slice(0, 0, 3)));
  EXPECT_FALSE(at::allclose(a[3], b[3]));
  EXPECT_THROW(net->forward(x, w.slice(0, 0, 3), w), nas::Error);
}

TEST(DartsSearchNetwork, Discrete_forward_equals_one_hot_mixture) {
  torch::manual_seed(1);
  auto net = tiny_net();
  const at::Tensor x = at::randn({4, 1, 8, 8});
  const std::vector<int64_t> normal{4, 0, 3, 7, 1}, reduce{3, 2, 0, 5, 6};
  auto one_hot = [&](const std::vector<int64_t>& idx) {
    at::Tensor w = at::zeros({net->num_edges(), net->num_ops()});
    for (size_t e = 0; e < idx.size(); ++e) w[static_cast<int64_t>(e)][idx[e]] = 1.0;
    return w;
  };
  const at::Tensor mixed = net->forward(x, one_hot(normal), one_hot(reduce));
  const at::Tensor discrete = net->forward_discrete(x, normal, reduce);
  EXPECT_TRUE(at::allclose(mixed, discrete, 1e-5, 1e-6));
  EXPECT_THROW(net->forward_discrete(x, {1, 2}, reduce), nas::Error);
}

TEST(DartsSearchNetwork, Discrete_forward_drops_paths_in_training_only) {
  torch::manual_seed(1);
  auto net = tiny_net();
  const at::Tensor x = at::randn({16, 1, 8, 8});
  const std::vector<int64_t> normal{4, 5, 6, 4, 5}, reduce{3, 2, 0, 5, 6};
  net->train();
  torch::manual_seed(2);
  const at::Tensor kept = net->forward_discrete(x, normal, reduce);
  torch::manual_seed(2);
  EXPECT_TRUE(at::equal(net->forward_discrete(x, normal, reduce, 0.0), kept)) << "p = 0 must be a no-op";
  torch::manual_seed(2);
  EXPECT_FALSE(at::allclose(net->forward_discrete(x, normal, reduce, 0.5), kept, 1e-4, 1e-5))
      << "p = 0.5 changed nothing";
  net->eval();
  EXPECT_TRUE(
      at::allclose(net->forward_discrete(x, normal, reduce, 0.5), net->forward_discrete(x, normal, reduce), 1e-6, 1e-7))
      << "evaluation must not drop";
}

TEST(DartsSearchNetwork, Discrete_forward_drop_path_spares_the_identity_and_zero_ops) {
  torch::manual_seed(1);
  // A normal cell (2 nodes, 5 edges) on its own, in training mode.
  nas::nn::SearchCell cell(*ops(), 2, 4, 4, 4, /*reduction=*/false, /*reduction_prev=*/false);
  cell->train();
  const at::Tensor s0 = at::randn({16, 4, 6, 6}), s1 = at::randn({16, 4, 6, 6});
  auto run = [&](const std::vector<int64_t>& chosen, double p) {
    torch::manual_seed(5);
    return cell->forward_discrete(s0, s1, chosen, false, p);
  };
  const std::vector<int64_t> identities{3, 0, 3, 3, 0};  // skip_connect (identity at stride 1), none
  EXPECT_TRUE(at::allclose(run(identities, 0.9), run(identities, 0.0), 1e-6, 1e-7))
      << "the identity or the zero op was dropped";
  const std::vector<int64_t> one_conv{4, 0, 3, 3, 0};  // sep_conv_3x3 on edge 0
  EXPECT_FALSE(at::allclose(run(one_conv, 0.9), run(one_conv, 0.0), 1e-4, 1e-5)) << "the conv was not dropped";
}

// The CPU channels-last layout (EvalNetworkOptions / SearchNetworkOptions::layout, Auto)
// only changes rounding: outputs and every gradient agree with NCHW in float64.
template <class Net, class Forward>
void expect_layouts_agree(Net& nhwc, Net& nchw, const at::Tensor& x, Forward forward) {
  const at::Tensor ya = forward(nhwc, x), yb = forward(nchw, x);
  ASSERT_TRUE(at::allclose(ya, yb, 1e-10, 1e-12));
  ya.pow(2).sum().backward();
  yb.pow(2).sum().backward();
  const auto pa = nhwc->named_parameters(), pb = nchw->named_parameters();
  for (const auto& item : pa) {
    if (!item.value().grad().defined()) continue;
    EXPECT_TRUE(at::allclose(item.value().grad(), pb[item.key()].grad(), 1e-9, 1e-11)) << item.key();
  }
}

TEST(DartsEvalNetwork, Channels_last_gives_the_nchw_result) {
  nas::nn::EvalNetworkOptions o;
  o.in_channels = 1;
  o.input_height = o.input_width = 28;
  o.channels = 4;
  o.layers = 3;
  o.auxiliary = true;
  auto build = [&](bool channels_last) {
    torch::manual_seed(5);
    o.layout = channels_last ? nas::nn::Layout::Auto : nas::nn::Layout::Nchw;
    nas::nn::DartsEvalNetwork net(o, nas::named_genotype("DARTS_V2"), ops());
    net->to(at::kDouble);
    return net;
  };
  auto nhwc = build(true), nchw = build(false);
  const at::Tensor x = at::randn({3, 1, 28, 28}, at::kDouble);
  expect_layouts_agree(nhwc, nchw, x, [](nas::nn::DartsEvalNetwork& n, const at::Tensor& in) {
    auto [out, aux] = n->forward(in);
    return out + 0.4 * aux;  // the auxiliary head's path too
  });
}

TEST(DartsSearchNetwork, Channels_last_discrete_forward_gives_the_nchw_result) {
  auto build = [](bool channels_last) {
    torch::manual_seed(6);
    auto o = search_opts(1, 3);
    o.channels = 4;
    o.layers = 3;
    o.layout = channels_last ? nas::nn::Layout::Auto : nas::nn::Layout::Nchw;
    nas::nn::DartsSearchNetwork net(o, ops());
    net->to(at::kDouble);
    return net;
  };
  auto nhwc = build(true), nchw = build(false);
  // Every op once, the zero op (index 0) included, in normal and reduction cells.
  std::vector<int64_t> normal, reduce;
  for (int64_t e = 0; e < nhwc->num_edges(); ++e) {
    normal.push_back(e % nhwc->num_ops());
    reduce.push_back((e + 3) % nhwc->num_ops());
  }
  const at::Tensor x = at::randn({3, 1, 8, 8}, at::kDouble);
  expect_layouts_agree(nhwc, nchw, x, [&](nas::nn::DartsSearchNetwork& n, const at::Tensor& in) {
    return n->forward_discrete(in, normal, reduce);
  });
}

nas::nn::EvalNetworkOptions eval_opts() {
  nas::nn::EvalNetworkOptions o;  // C36 L20 CIFAR-10
  o.auxiliary = true;
  return o;
}

TEST(DartsEvalNetwork, Darts_v2_has_3349342_parameters_without_aux) {
  nas::nn::DartsEvalNetwork net(eval_opts(), nas::named_genotype("DARTS_V2"), ops());
  EXPECT_EQ(net->param_count_without_aux(), 3349342);
  EXPECT_GT(nas::count_parameters(*net), 3349342);  // the aux head exists but is not reported
  auto no_aux = eval_opts();
  no_aux.auxiliary = false;
  EXPECT_EQ(nas::count_parameters(*nas::nn::DartsEvalNetwork(no_aux, nas::named_genotype("DARTS_V2"), ops())), 3349342);
}

TEST(DartsEvalNetwork, Channel_walk_triples) {
  nas::nn::DartsEvalNetwork net(eval_opts(), nas::named_genotype("DARTS_V2"), ops());
  const auto& walk = net->channel_walk();
  ASSERT_EQ(walk.size(), 20u);
  using T = std::array<int64_t, 3>;
  EXPECT_EQ(walk[0], (T{108, 108, 36}));
  EXPECT_EQ(walk[1], (T{108, 144, 36}));
  EXPECT_EQ(walk[2], (T{144, 144, 36}));
  EXPECT_EQ(walk[5], (T{144, 144, 36}));
  EXPECT_EQ(walk[6], (T{144, 144, 72}));
  EXPECT_EQ(walk[7], (T{144, 288, 72}));
  EXPECT_EQ(walk[12], (T{288, 288, 72}));
  EXPECT_EQ(walk[13], (T{288, 288, 144}));
  EXPECT_EQ(walk[14], (T{288, 576, 144}));
  EXPECT_EQ(walk[19], (T{576, 576, 144}));
}

TEST(DartsEvalNetwork, Aux_head_on_7x7_maps_and_drop_path) {
  torch::manual_seed(2);
  nas::nn::EvalNetworkOptions o;
  o.in_channels = 1;
  o.input_height = o.input_width = 28;  // MNIST: 7x7 at the aux head (quark0's stride 3 breaks here)
  o.channels = 4;
  o.layers = 3;
  o.auxiliary = true;
  nas::nn::DartsEvalNetwork net(o, nas::named_genotype("DARTS_V2"), ops());
  const at::Tensor x = at::randn({3, 1, 28, 28});
  net->train();
  auto [out, aux] = net->forward(x);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 10}));
  ASSERT_TRUE(aux.defined());
  EXPECT_EQ(aux.sizes(), (std::vector<int64_t>{3, 10}));
  net->eval();
  EXPECT_FALSE(net->forward(x).second.defined());
  // Drop path: p = 1 - tiny keeps ~nothing; p = 0 leaves the training forward deterministic.
  const at::Tensor y = at::ones({1000, 1, 1, 1});
  const double kept = (nas::nn::drop_path(y, 0.25) > 0).sum().item<double>() / 1000.0;
  EXPECT_NEAR(kept, 0.75, 0.06);
  EXPECT_TRUE(at::allclose(nas::nn::drop_path(y, 0.25).sum() / 1000.0, at::ones({}), 0.1));
}

}  // namespace

TEST(DartsNetworkLayout, Option_values_and_a_clear_error_for_others) {
  EXPECT_EQ(nas::nn::parse_layout("auto", "search.memory_format"), nas::nn::Layout::Auto);
  EXPECT_EQ(nas::nn::parse_layout("channels_last", "search.memory_format"), nas::nn::Layout::ChannelsLast);
  EXPECT_EQ(nas::nn::parse_layout("nchw", "search.memory_format"), nas::nn::Layout::Nchw);
  try {
    nas::nn::parse_layout("nhcw", "search.memory_format");
    FAIL() << "no error for an unknown layout";
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("search.memory_format = 'nhcw': expected auto, channels_last or nchw"),
              std::string::npos)
        << e.what();
  }
}
