// ENAS CNN (micro search space): op set, arcs/genotypes, controller, shared and fixed
// networks, REINFORCE on a toy reward, the strategy (epochs, derive, exact resume) and
// the trainers, on a tiny in-memory image dataset.
#include <fstream>
#include <iterator>
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/cuda.h>
#include <torch/optim/adam.h>

#include "cnn/micro/micro_arc.hpp"
#include "cnn/micro/micro_cnn.hpp"
#include "cnn/micro/micro_controller.hpp"
#include "cnn/cnn_search.hpp"
#include "cnn_test_util.hpp"
#include "cnn/cnn_trainers.hpp"
#include "cnn/cnn_training.hpp"
#include "enas_cnn_ops.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/nn/drop_path.hpp"
#include "nashost/support/default_dtype.hpp"
#include "nashost/support/op_stream.hpp"
#include "common/search_options.hpp"

using namespace nas::enas;

namespace {
const EnasCnnOperationSet kOps;

CnnArc example_arc() {
  // node i: [x_in, x_op, y_in, y_op]; normal: states 0, 4, 6 unused; reduce: only state 6
  CnnArc a;
  a.normal.seq = {1, 0, 1, 4, 2, 1, 1, 2, 3, 3, 2, 0, 2, 4, 3, 1, 5, 2, 3, 4};
  a.reduce.seq = {0, 0, 1, 1, 0, 2, 1, 3, 2, 4, 3, 0, 4, 1, 1, 4, 5, 3, 3, 2};
  return a;
}

nas::Json tiny_search() {
  return {{"network", "cnn"},
          {"channels", 4},
          {"num_layers", 1},
          {"num_blocks", 3},
          {"epochs", 2},
          {"shared_steps", 3},
          {"controller_steps", 2},
          {"controller_num_aggregate", 3},
          {"batch_size", 16},
          {"eval_batch_size", 16},
          {"derive_samples", 3},
          {"controller_hid", 16},
          {"log_step", 1},
          {"augment", false},
          {"lr_t0", 1}};
}
nas::Config search_cfg(const nas::Json& j) { return nas::Config::validated(j, search_options(), "search"); }
}  // namespace

TEST(EnasCnnOps, OrderAndParameterCounts) {
  EXPECT_EQ(kOps.ops(),
            (std::vector<std::string>{"sep_conv_3x3", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3", "identity"}));
  nas::OpArgs a;
  a.channels = 16;
  // sep 3x3 at C=16: 2 x (depthwise 9*16 + pointwise 16*16 + BN 2*16) = 2 x 432
  EXPECT_EQ(kOps.param_count("sep_conv_3x3", a), 864);
  EXPECT_EQ(kOps.param_count("sep_conv_5x5", a), 2 * (25 * 16 + 256 + 32));
  EXPECT_EQ(kOps.param_count("avg_pool_3x3", a), 0);
  EXPECT_EQ(kOps.param_count("identity", a), 0);
  for (int64_t stride : {1, 2}) {
    a.stride = stride;
    for (const auto& op : kOps.ops()) {
      auto m = kOps.make(op, a);
      EXPECT_EQ(nas::count_parameters(*m), kOps.param_count(op, a)) << op << " stride " << stride;
      at::Tensor y = m->forward(at::randn({2, 16, 8, 8}));
      EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 16, 8 / stride, 8 / stride})) << op;
    }
  }
  a.stride = 2;
  EXPECT_EQ(kOps.param_count("identity", a), 2 * 16 * 8 + 32);  // factorized reduction
  EXPECT_THROW(kOps.make("conv_7x7", a), nas::ConfigError);
}

TEST(EnasCnnArc, UnusedStatesAndGenotypeRoundTrip) {
  const CnnArc a = example_arc();
  EXPECT_EQ(unused_states(a.normal), (std::vector<int>{0, 4, 6}));
  EXPECT_EQ(unused_states(a.reduce), (std::vector<int>{6}));  // the last node is never an input
  nas::Genotype g = arc_genotype(a, kOps.ops());
  EXPECT_EQ(g.space, "enas-cnn");
  EXPECT_EQ(g.normal.concat, (std::vector<int>{0, 4, 6}));
  EXPECT_EQ(g.normal.nodes[0][1], (nas::GenotypeEdge{"identity", 1}));
  nas::Genotype back = nas::genotype_from_json(nas::Json::parse(nas::to_json(g).dump()));
  EXPECT_EQ(back, g);
  EXPECT_EQ(genotype_arc(back, kOps.ops(), "t"), a);
  EXPECT_NE(nas::cell_to_dot(g.reduce, "r").find("c_{k}"), std::string::npos);

  nas::Genotype bad = g;
  bad.normal.nodes[1].push_back({"identity", 0});
  EXPECT_THROW(genotype_arc(bad, kOps.ops(), "t"), nas::Error);
  bad = g;
  bad.normal.nodes[0][0].op = "conv_3x3";
  EXPECT_THROW(genotype_arc(bad, kOps.ops(), "t"), nas::Error);
  bad = g;
  bad.normal.concat = {2, 3, 4, 5, 6};
  EXPECT_THROW(genotype_arc(bad, kOps.ops(), "t"), nas::Error);
  bad = g;
  bad.space = "darts";
  EXPECT_THROW(genotype_arc(bad, kOps.ops(), "t"), nas::Error);
  CellArc forward_ref = a.normal;
  forward_ref.seq[0] = 2;  // node 0 may only use states 0 and 1
  EXPECT_THROW(validate_cell(forward_ref, 5, "t"), nas::Error);
}

TEST(EnasCnnController, SamplesRespectConstraints) {
  at::manual_seed(3);
  CnnControllerConfig c;
  c.num_nodes = 5;
  c.hidden = 32;
  CnnController ctl(c);
  EXPECT_EQ(ctl->num_decisions(), 40);
  auto s = ctl->sample(64);
  ASSERT_EQ(s.arcs.size(), 64u);
  EXPECT_EQ(s.log_probs.sizes(), (std::vector<int64_t>{64, 40}));
  EXPECT_TRUE((s.log_probs <= 0).all().item<bool>());
  EXPECT_TRUE((s.entropies > 0).all().item<bool>());
  std::set<int> inputs_of_last, ops_seen;
  for (const auto& a : s.arcs)
    for (const CellArc* cell : {&a.normal, &a.reduce}) {
      ASSERT_EQ(cell->nodes(), 5);
      EXPECT_NO_THROW(validate_cell(*cell, 5, "sample"));
      for (int i = 0; i < 5; ++i)
        for (int k = 0; k < 2; ++k) {
          EXPECT_LE(cell->input(i, k), i + 1);
          ops_seen.insert(cell->op(i, k));
          if (i == 4) inputs_of_last.insert(cell->input(i, k));
        }
    }
  // near-uniform start: every op and every earlier state of the last node gets drawn
  EXPECT_EQ(ops_seen.size(), 5u);
  EXPECT_EQ(inputs_of_last.size(), 6u);
  // gradients reach the controller through the log-probabilities
  s.log_probs.sum().backward();
  double norm = 0;
  for (auto& p : ctl->parameters())
    if (p.grad().defined()) norm += p.grad().abs().sum().item<double>();
  EXPECT_GT(norm, 0.0);

  c.uniform = true;
  CnnController uni(c);
  auto u = uni->sample(4);
  // uniform: log p of an input choice of node i is -log(i+2), of an op -log 5
  EXPECT_NEAR(u.log_probs[0][0].item<double>(), -std::log(2.0), 1e-6);
  EXPECT_NEAR(u.log_probs[0][2].item<double>(), -std::log(5.0), 1e-6);
}

TEST(EnasCnnController, ReinforceLearnsAToyReward) {
  // Reward = share of identity ops in the sampled arc; REINFORCE with the moving-average
  // baseline must raise it (the gradient has the right sign and reaches every op decision).
  at::manual_seed(5);
  CnnControllerConfig c;
  c.num_nodes = 3;
  c.hidden = 24;
  c.tanh_c = 0;  // unbounded logits (with tanh_c 1.1 / op_tanh_reduce 2.5 the op logits stay within +-0.44)
  CnnController ctl(c);
  {
    at::NoGradGuard ng;  // without the tanh bound the reference bias [10, 10, 0, ...] would rule out identity
    ctl->named_parameters()["op_head.bias"].zero_();
  }
  torch::optim::Adam opt(ctl->parameters(), torch::optim::AdamOptions(0.02));
  Reinforce rl(1, 0.9);
  auto share = [](const CnnArc& a) {
    double n = 0, k = 0;
    for (const CellArc* cell : {&a.normal, &a.reduce})
      for (int i = 0; i < cell->nodes(); ++i)
        for (int s = 0; s < 2; ++s) {
          k += cell->op(i, s) == 4;
          ++n;
        }
    return k / n;
  };
  auto mean_share = [&] {
    at::NoGradGuard ng;
    double m = 0;
    auto s = ctl->sample(200);
    for (const auto& a : s.arcs) m += share(a);
    return m / 200.0;
  };
  const double before = mean_share();
  for (int step = 0; step < 80; ++step) {
    opt.zero_grad();
    auto s = ctl->sample(1);
    at::Tensor adv = rl.advantage(at::full({1}, share(s.arcs[0])), at::ones({1}));
    at::Tensor loss = -(s.log_probs[0].sum() * adv.squeeze());
    loss.backward();
    opt.step();
  }
  const double after = mean_share();
  EXPECT_GT(after, before + 0.2) << "before " << before << " after " << after;
}

TEST(EnasCnnNetwork, CellShapesAtStrideOneAndTwo) {
  const CnnArc a = example_arc();
  const int64_t c = 6;
  at::Tensor s = at::randn({2, c, 8, 8});
  EnasCnnCell normal(kOps, 5, c, c, c, false, false, nullptr);
  EXPECT_EQ(normal->forward(s, s, a.normal).sizes(), (std::vector<int64_t>{2, c, 8, 8}));
  EnasCnnCell reduce(kOps, 5, c, c, 2 * c, true, false, nullptr);
  at::Tensor r = reduce->forward(s, s, a.reduce);
  EXPECT_EQ(r.sizes(), (std::vector<int64_t>{2, 2 * c, 4, 4}));
  // after a reduction: c_{k-2} is still 8x8 and gets a factorized reduction
  EnasCnnCell after(kOps, 5, c, 2 * c, 2 * c, false, true, nullptr);
  EXPECT_EQ(after->forward(s, r, a.normal).sizes(), (std::vector<int64_t>{2, 2 * c, 4, 4}));
  // a reduction cell whose unused states include cell input 0 (reduced before the concat)
  EnasCnnCell reduce_fixed(kOps, 5, c, c, 2 * c, true, false, &a.normal);
  EXPECT_EQ(reduce_fixed->forward(s, s, a.normal).sizes(), (std::vector<int64_t>{2, 2 * c, 4, 4}));
}

TEST(EnasCnnNetwork, UnusedStatesAreConcatenated) {
  const CnnArc a = example_arc();  // normal cell concatenates states 0, 4, 6
  const int64_t c = 4;
  EnasCnnCell fixed(kOps, 5, c, c, c, false, false, &a.normal);
  auto params = fixed->named_parameters();
  EXPECT_EQ(params["out_conv"].sizes(), (std::vector<int64_t>{c, 3 * c, 1, 1}));
  EnasCnnCell shared(kOps, 5, c, c, c, false, false, nullptr);
  EXPECT_EQ(shared->named_parameters()["out_conv"].sizes(), (std::vector<int64_t>{c, 7 * c, 1, 1}));
  // The output depends on the unused states only through the selected conv rows: zeroing
  // the rows of a used state (here state 1) leaves the output unchanged, zeroing those of
  // an unused one (state 4) changes it.
  shared->train();
  at::Tensor s0 = at::randn({4, c, 6, 6}), s1 = at::randn({4, c, 6, 6});
  at::manual_seed(0);
  at::Tensor y = shared->forward(s0, s1, a.normal);
  at::Tensor w = shared->named_parameters()["out_conv"];
  {
    at::NoGradGuard ng;
    w.narrow(1, 1 * c, c).zero_();
  }
  EXPECT_TRUE(at::allclose(shared->forward(s0, s1, a.normal), y));
  {
    at::NoGradGuard ng;
    w.narrow(1, 4 * c, c).zero_();
  }
  EXPECT_FALSE(at::allclose(shared->forward(s0, s1, a.normal), y));
  // The fixed network has exactly the chosen ops: identity/pool edges have no weights.
  int sep = 0;
  for (const auto& m : fixed->named_children())
    if (m.key().rfind("n", 0) == 0 && m.key().find("_op0") != std::string::npos) ++sep;
  EXPECT_EQ(sep, 2);  // two sep_conv_3x3 edges in the normal arc
}

TEST(EnasCnnNetwork, NetworkLayoutAndOutputs) {
  SharedCnnConfig cfg;
  cfg.channels = 4;
  cfg.num_layers = 6;
  cfg.num_nodes = 2;
  cfg.in_channels = 3;
  EXPECT_EQ(cfg.reduction_layers(), (std::vector<int64_t>{2, 5}));
  CnnArc a;
  a.normal.seq = {0, 0, 1, 2, 2, 4, 0, 3};
  a.reduce.seq = {1, 1, 0, 4, 2, 0, 1, 2};
  SharedCnn net(cfg, kOps);
  const auto walk = net->channel_walk();
  ASSERT_EQ(walk.size(), 8u);
  EXPECT_EQ(walk[0], (std::vector<int64_t>{12, 12, 4, 0}));
  EXPECT_EQ(walk[2], (std::vector<int64_t>{4, 4, 8, 1}));
  EXPECT_EQ(walk[5], (std::vector<int64_t>{8, 8, 16, 1}));
  EXPECT_EQ(net->forward(at::randn({2, 3, 32, 32}), a, true).sizes(), (std::vector<int64_t>{2, 10}));
  cfg.in_channels = 1;
  cfg.height = cfg.width = 28;  // fashion-mnist
  SharedCnn fm(cfg, kOps, a);
  EXPECT_EQ(fm->forward(at::randn({3, 1, 28, 28}), false).sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_LT(nas::count_parameters(*fm), nas::count_parameters(*net));
  cfg.height = cfg.width = 30;  // 30 -> 15 -> cannot halve again
  EXPECT_THROW(SharedCnn(cfg, kOps), nas::ConfigError);
  EXPECT_NEAR(cosine_restart_lr(0, 0.05, 0.0005, 10, 2), 0.05, 1e-12);
  EXPECT_NEAR(cosine_restart_lr(10, 0.05, 0.0005, 10, 2), 0.05, 1e-12);                   // restart
  EXPECT_NEAR(cosine_restart_lr(20, 0.05, 0.0005, 10, 2), 0.0005 + 0.5 * 0.0495, 1e-12);  // half of T=20
}

TEST(EnasCnnSearch, EpochsDeriveOutputsAndExactResume) {
  auto data = std::make_shared<enas_cnn_test::TinyImages>();
  auto ctx = enas_cnn_test::context("search");
  EnasCnnSearch a(search_cfg(tiny_search()), data, *ctx);
  auto m1 = a.run_epoch();
  EXPECT_TRUE(std::isfinite(m1["train_loss"]));
  EXPECT_GE(m1["valid_accuracy"], 0.0);
  EXPECT_LE(m1["valid_accuracy"], 1.0);
  EXPECT_EQ(m1.count("controller_reward"), 1u);
  EXPECT_TRUE(std::filesystem::exists(ctx->run_dir() / "search" / "derived_architecture.json"));
  // The page that steps through the derived cells epoch by epoch, both cells per frame.
  {
    std::ifstream page(ctx->run_dir() / "search" / "networks" / "index.html");
    const std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
    EXPECT_NE(html.find("batch accuracy"), std::string::npos);
    EXPECT_NE(html.find("-normal.png"), std::string::npos);
    EXPECT_NE(html.find("-reduce.png"), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::exists(a.shared_model_file()));
  const auto ckpt = ctx->run_dir() / "ckpt.pt";
  a.save(ckpt);
  a.run_epoch();

  auto ctx2 = enas_cnn_test::context("search-resume");
  EnasCnnSearch b(search_cfg(tiny_search()), data, *ctx2);
  b.load(ckpt);
  EXPECT_EQ(b.completed_epochs(), 1);
  b.run_epoch();
  ASSERT_NO_FATAL_FAILURE(enas_cnn_test::expect_same_weights(a, b));
  EXPECT_EQ(a.state_summary()["derived_arc"], b.state_summary()["derived_arc"]);

  auto gs = b.derive(nas::Config(nas::Json{{"samples", 4}}));
  ASSERT_EQ(gs.size(), 1u);
  EXPECT_EQ(gs[0].space, "enas-cnn");
  EXPECT_EQ(gs[0].meta.value("shared_model_file", std::string()), "search/shared_model.pt");  // relative to the run
  EXPECT_NO_THROW(genotype_arc(gs[0], kOps.ops(), "derived"));
  EXPECT_THROW(b.run_epoch(), nas::Error);  // all epochs done

  // a checkpoint made with another cell size is refused with a message
  nas::Json other = tiny_search();
  other["channels"] = 6;
  EnasCnnSearch c(search_cfg(other), data, *ctx2);
  EXPECT_THROW(c.load(ckpt), nas::Error);
}

TEST(EnasCnnSearch, DefaultsFollowTheNetworkAndBadOptions) {
  auto resolved = resolve_network_defaults(search_cfg({{"network", "cnn"}}));
  EXPECT_EQ(resolved.get_string("operation_set"), "enas-cnn");
  EXPECT_EQ(resolved.get_int("num_blocks"), 5);
  EXPECT_DOUBLE_EQ(resolved.get_float("tanh_c"), 1.10);
  EXPECT_DOUBLE_EQ(resolved.get_float("controller_lr"), 3.5e-3);
  EXPECT_EQ(resolved.get_int("batch_size"), 160);
  auto rnn = resolve_network_defaults(search_cfg({}));
  EXPECT_EQ(rnn.get_int("num_blocks"), 12);
  EXPECT_DOUBLE_EQ(rnn.get_float("shared_lr"), 20.0);
  EXPECT_EQ(resolve_network_defaults(search_cfg({{"network", "cnn"}, {"num_blocks", 7}})).get_int("num_blocks"), 7);

  auto data = std::make_shared<enas_cnn_test::TinyImages>();
  auto ctx = enas_cnn_test::context("bad");
  nas::Json o = tiny_search();
  o["train_type"] = "flexible";
  EXPECT_THROW(EnasCnnSearch(search_cfg(o), data, *ctx), nas::ConfigError);
  o = tiny_search();
  o["shared_optim"] = "adam";
  EXPECT_THROW(EnasCnnSearch(search_cfg(o), data, *ctx), nas::ConfigError);
  // random: no controller phase
  o = tiny_search();
  o["train_type"] = "random";
  o["epochs"] = 1;
  EnasCnnSearch r(search_cfg(o), data, *ctx);
  EXPECT_EQ(r.run_epoch().count("controller_reward"), 0u);
}

TEST(EnasCnnTrainers, ScratchAndSharedWeightEvaluation) {
  auto data = std::make_shared<enas_cnn_test::TinyImages>(3, 8, 4);
  auto ctx = enas_cnn_test::context("trainers");
  const nas::Genotype g = arc_genotype(example_arc(), kOps.ops());
  nas::Json o = {{"epochs", 3},           {"channels", 4},     {"num_layers", 1}, {"batch_size", 16},
                 {"eval_batch_size", 16}, {"augment", false},  {"lr_t0", 3},      {"log_step", 1},
                 {"drop_path_keep", 0.8}, {"auxiliary", false}};  // 8x8 inputs are 2x2 after both reductions
  EnasCnnScratchTrainer t(nas::Config::validated(o, cnn_scratch_options(), "train"), *ctx);
  const int64_t expected = t.count_params(g, *data);
  auto r = t.train(g, *data);
  EXPECT_EQ(r.params, expected);
  EXPECT_TRUE(std::filesystem::exists(r.model_file));
  // the quadrant task is easy: 3 short epochs beat chance (0.25) on the test split
  EXPECT_GT(r.metrics["test_accuracy"], 0.4);

  // shared weights of a search, evaluated on a given genotype
  nas::Json so = tiny_search();
  so["num_blocks"] = 5;
  so["epochs"] = 1;
  EnasCnnSearch s(search_cfg(so), data, *ctx);
  s.run_epoch();
  EnasCnnEvalTrainer ev(
      nas::Config::validated({{"model_file", s.shared_model_file().string()}}, cnn_eval_options(), "t"), *ctx);
  auto re = ev.train(g, *data);
  EXPECT_GE(re.metrics["test_accuracy"], 0.0);
  EXPECT_LE(re.metrics["test_accuracy"], 1.0);
  EXPECT_GT(re.params, 0);
  EnasCnnEvalTrainer missing(nas::Config::validated({{"model_file", "/nonexistent/m.pt"}}, cnn_eval_options(), "t"),
                             *ctx);
  EXPECT_THROW(missing.train(g, *data), nas::Error);
}

namespace {
/// A small scratch training without randomness (keep 1 for dropout and drop path), the rate
/// restarting every epoch.
nas::Json deterministic_scratch(int64_t batch, bool cuda_graph) {
  return {{"epochs", 2},           {"channels", 4},    {"num_layers", 1},    {"batch_size", batch},
          {"eval_batch_size", 16}, {"augment", false}, {"lr_t0", 1},         {"log_step", 1},
          {"drop_path_keep", 1.0}, {"keep_prob", 1.0}, {"auxiliary", false}, {"cuda_graph", cuda_graph}};
}
}  // namespace

// cuda_graph = true: the scratch step as one graph-safe body, its drop-path probability (which
// grows every step) and the epoch's rate as inputs. Without randomness (keep 1 everywhere) it
// trains the same network as the ordinary step (in float64: this tiny network turns float32
// rounding differences into another test loss within a few steps); with drop path, the network's op stream is the
// same for any probability (the captured step serves every step), which the number form, that
// skips drop path at 0, is not; and the tensor-probability drop path keeps whole samples at
// rate 1 − p, rescaled by 1/(1 − p).
TEST(EnasCnnTrainers, ScratchCudaGraphStep) {
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());
  auto data = std::make_shared<enas_cnn_test::TinyImages>(3, 8, 4);
  const nas::Genotype g = arc_genotype(example_arc(), kOps.ops());
  auto train = [&](bool graph) {
    auto ctx = enas_cnn_test::context(graph ? "scratch_graph" : "scratch_plain");
    EnasCnnScratchTrainer t(nas::Config::validated(deterministic_scratch(16, graph), cnn_scratch_options(), "train"),
                            *ctx);
    return t.train(g, *data).metrics;
  };
  const auto plain = train(false), graphed = train(true);
  for (const char* key : {"test_accuracy", "test_loss"})
    EXPECT_NEAR(plain.at(key), graphed.at(key), 1e-9 * (1 + std::abs(plain.at(key)))) << key;

  const nas::Config cfg = nas::Config::validated(deterministic_scratch(16, false), cnn_scratch_options(), "train");
  SharedCnn net(SharedCnnConfig::for_data(data->info(), cfg, example_arc().normal.nodes()), kOps, example_arc());
  net->train();
  const at::Tensor x = at::randn({4, 3, 8, 8});
  auto stream = [&](const DropProb& p) {
    return nas::graph_safe_op_stream([&] {
      const nas::nn::GraphSafeScope record;
      net->forward(x, true, p);
    });
  };
  const auto a = stream(DropProb(at::scalar_tensor(0.0))), b = stream(DropProb(at::scalar_tensor(0.35)));
  EXPECT_GT(a.size(), 50u);
  EXPECT_EQ(nas::first_difference(a, b), "");
  EXPECT_NE(nas::first_difference(stream(DropProb(0.0)), stream(DropProb(0.35))), "");

  const at::Tensor ones = at::ones({2000, 2, 1, 1});
  EXPECT_TRUE(at::equal(nas::nn::drop_path(ones, at::scalar_tensor(0.0)), ones));
  const at::Tensor dropped = nas::nn::drop_path(ones, at::scalar_tensor(0.5));
  EXPECT_TRUE(at::equal(dropped.select(1, 0), dropped.select(1, 1)));  // whole samples
  EXPECT_TRUE(((dropped == 0) | (dropped == 2)).all().item<bool>());
  EXPECT_NEAR(dropped.mean().item<double>(), 1.0, 0.1);
}

// On a GPU machine: the same training captured and replayed, in float64, without randomness
// (tools/device-check.sh runs it; here it says it skipped).
TEST(EnasCnnTrainers, ScratchCudaGraphReplaysTrainTheSameNetworkOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: the capture runs on a GPU machine";
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());
  auto data = std::make_shared<enas_cnn_test::TinyImages>(3, 8, 4);
  const nas::Genotype g = arc_genotype(example_arc(), kOps.ops());
  auto train = [&](bool graph) {
    auto ctx = enas_cnn_test::context(graph ? "scratch_cuda_graph" : "scratch_cuda", 1, c10::Device(c10::kCUDA, 0));
    EnasCnnScratchTrainer t(nas::Config::validated(deterministic_scratch(4, graph), cnn_scratch_options(), "train"),
                            *ctx);
    return t.train(g, *data).metrics;
  };
  const auto plain = train(false), graphed = train(true);
  for (const char* key : {"test_accuracy", "test_loss"})
    EXPECT_NEAR(plain.at(key), graphed.at(key), 1e-7 * (1 + std::abs(plain.at(key)))) << key;
}

TEST(EnasCnnTrainers, AuxiliaryHeadTrainsButIsNotCounted) {
  auto ctx = enas_cnn_test::context("aux");
  const CnnArc arc = example_arc();
  SharedCnnConfig c;
  c.height = c.width = 24;  // 6x6 after both reductions: the smallest the head takes
  c.num_classes = 4;
  c.channels = 4;
  c.num_layers = 1;
  c.num_nodes = arc.normal.nodes();
  SharedCnn plain(c, kOps, arc);
  c.aux_head = true;
  SharedCnn with_aux(c, kOps, arc);
  EXPECT_GT(with_aux->aux_parameter_count(), 0);
  EXPECT_EQ(nas::count_parameters(*with_aux) - with_aux->aux_parameter_count(), nas::count_parameters(*plain));
  const at::Tensor x = at::randn({2, 3, 24, 24});
  with_aux->train();
  with_aux->forward(x, true);
  ASSERT_TRUE(with_aux->aux_logits().defined());
  EXPECT_EQ(with_aux->aux_logits().sizes(), (std::vector<int64_t>{2, 4}));
  with_aux->eval();
  with_aux->forward(x, false);
  EXPECT_FALSE(with_aux->aux_logits().defined());  // training only
  EXPECT_EQ(SharedCnnConfig::from_json(c.to_json()).aux_head, true);

  // the trainer adds 0.4 x the auxiliary loss and reports the size without the head
  auto data = std::make_shared<enas_cnn_test::TinyImages>(3, 24, 4);
  const nas::Genotype g = arc_genotype(arc, kOps.ops());
  nas::Json o = {{"epochs", 1},     {"max_steps_per_epoch", 2}, {"channels", 4},    {"num_layers", 1},
                 {"batch_size", 8}, {"eval_batch_size", 16},    {"augment", false}, {"log_step", 1}};
  EnasCnnScratchTrainer t(nas::Config::validated(o, cnn_scratch_options(), "train"), *ctx);
  auto r = t.train(g, *data);
  EXPECT_EQ(r.params, nas::count_parameters(*plain));
}

TEST(EnasCnnNetwork, ChannelsLastOnTheCpuGivesTheNchwResult) {
  SharedCnnConfig cfg;
  cfg.channels = 4;
  cfg.num_layers = 3;
  cfg.num_nodes = 5;
  auto build = [&](nas::nn::Layout layout) {
    torch::manual_seed(9);
    SharedCnn net(cfg, kOps);
    net->to(at::kDouble);
    net->set_layout(layout);
    return net;
  };
  SharedCnn nhwc = build(nas::nn::Layout::Auto), nchw = build(nas::nn::Layout::Nchw);
  const CnnArc a = example_arc();
  const at::Tensor x = at::randn({3, 3, 16, 16}, at::kDouble);
  const at::Tensor ya = nhwc->forward(x, a, false), yb = nchw->forward(x, a, false);
  ASSERT_TRUE(at::allclose(ya, yb, 1e-10, 1e-12));
  ya.pow(2).sum().backward();
  yb.pow(2).sum().backward();
  const auto pb = nchw->named_parameters();
  int with_grad = 0;
  for (const auto& item : nhwc->named_parameters()) {
    if (!item.value().grad().defined()) continue;
    ++with_grad;
    EXPECT_TRUE(at::allclose(item.value().grad(), pb[item.key()].grad(), 1e-9, 1e-11)) << item.key();
  }
  EXPECT_GT(with_grad, 20);
}
