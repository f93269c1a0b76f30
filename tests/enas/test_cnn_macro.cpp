// ENAS CNN macro search space (docs/methods.md, ENAS; implemented from the paper's
// description): arcs and their genotype form, the controller (shapes, constraints, the KL
// skip penalty), the shared and fixed macro networks, the strategy with cnn_space = macro
// (epochs, derive, pictures, exact resume) and the trainers, on tiny in-memory images.
#include <cmath>
#include <fstream>
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/optim/adam.h>

#include "cnn/cnn_search.hpp"
#include "nashost/genotype_macro.hpp"
#include "cnn_test_util.hpp"
#include "cnn/cnn_trainers.hpp"
#include "cnn/macro/macro_arc.hpp"
#include "cnn/macro/macro_cnn.hpp"
#include "cnn/macro/macro_controller.hpp"
#include "nashost/error.hpp"
#include "common/search_options.hpp"

using namespace nas::enas;

namespace {

using enas_cnn_test::example_macro;

nas::Json tiny_macro_search() {
  return {{"network", "cnn"},
          {"cnn_space", "macro"},
          {"channels", 4},
          {"num_layers", 3},
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

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

TEST(EnasMacroArc, FlatSequenceAndGenotypeRoundTrip) {
  const MacroArc a = example_macro();
  EXPECT_EQ(macro_to_seq(a), (std::vector<int>{0, 1, 1, 5, 1, 1}));
  EXPECT_EQ(macro_seq_length(3), 6);
  EXPECT_EQ(macro_seq_length(12), 12 + 66);
  EXPECT_EQ(macro_from_seq(macro_to_seq(a), 3), a);
  EXPECT_THROW(macro_from_seq({0, 1}, 3), nas::Error);

  nas::Genotype g = macro_genotype(a);
  EXPECT_EQ(g.space, "enas-cnn-macro");
  ASSERT_EQ(g.normal.nodes.size(), 3u);
  EXPECT_EQ(g.normal.nodes[0], (std::vector<nas::GenotypeEdge>{{"conv_3x3", 1}}));  // state 1 = the stem
  EXPECT_EQ(g.normal.nodes[2], (std::vector<nas::GenotypeEdge>{{"max_pool_3x3", 3}, {"skip", 2}, {"skip", 3}}));
  EXPECT_EQ(g.normal.concat, (std::vector<int>{4}));
  EXPECT_TRUE(g.reduce.nodes.empty());
  // through the genotype JSON text and a file, as scripts and `nashost genotype` read it
  const nas::Genotype back = nas::genotype_from_json(nas::Json::parse(nas::to_json(g).dump()));
  EXPECT_EQ(back, g);
  EXPECT_EQ(genotype_macro(back, "t"), a);
  const auto file = enas_cnn_test::fresh_dir("macro-genotype") / "g.json";
  nas::save_genotype(g, file);
  EXPECT_EQ(genotype_macro(nas::load_genotype(file), "file"), a);
  EXPECT_EQ(back.meta["arc"], nas::Json(macro_to_seq(a)));

  nas::Genotype bad = g;
  bad.normal.nodes[1][0].op = "conv_7x7";
  EXPECT_THROW(genotype_macro(bad, "t"), nas::Error);
  bad = g;
  bad.normal.nodes[1].push_back({"sep_conv_3x3", 2});  // a second op is not a skip
  EXPECT_THROW(genotype_macro(bad, "t"), nas::Error);
  bad = g;
  bad.space = "enas-cnn";
  EXPECT_THROW(genotype_macro(bad, "t"), nas::Error);

  MacroArc wrong = a;
  wrong.skips[2] = {1};  // layer 2 needs two bits
  EXPECT_THROW(validate_macro(wrong, "t"), nas::Error);
  wrong = a;
  wrong.ops[0] = 6;
  EXPECT_THROW(validate_macro(wrong, "t"), nas::Error);

  EXPECT_EQ(macro_summary(a), "0 conv_3x3 | 1 sep_conv_3x3 skip 0 | 2 max_pool_3x3 skip 0 1");
  const std::string dot = nas::macro_network_to_dot(macro_genotype(a), "c");  // reductions after 0 and 1
  EXPECT_NE(dot.find("L0 -> L1 [style=dashed"), std::string::npos);           // skips
  EXPECT_NE(dot.find("L1 -> L2 [style=dashed"), std::string::npos);
  EXPECT_NE(dot.find("L0 -> R0;"), std::string::npos);  // the chain goes through the reduction
  EXPECT_NE(dot.find("R1 -> L2;"), std::string::npos);
}

TEST(EnasMacroController, SamplesHaveTheRightShapesAndConstraints) {
  at::manual_seed(3);
  MacroControllerConfig c;
  c.num_layers = 6;
  c.hidden = 32;
  MacroController ctl(c);
  EXPECT_EQ(ctl->num_decisions(), 6 + 15);
  auto s = ctl->sample(64);
  ASSERT_EQ(s.arcs.size(), 64u);
  EXPECT_EQ(s.log_probs.sizes(), (std::vector<int64_t>{64, 21}));
  EXPECT_EQ(s.entropies.sizes(), (std::vector<int64_t>{64, 21}));
  EXPECT_EQ(s.skip_penalty.sizes(), (std::vector<int64_t>{64}));
  EXPECT_TRUE((s.log_probs <= 0).all().item<bool>());
  EXPECT_TRUE((s.entropies > 0).all().item<bool>());
  EXPECT_TRUE((s.skip_penalty >= 0).all().item<bool>());
  std::set<int> ops_seen;
  int skips_on = 0, skips_all = 0;
  for (const auto& a : s.arcs) {
    ASSERT_EQ(a.layers(), 6);
    EXPECT_NO_THROW(validate_macro(a, "sample"));
    for (int i = 0; i < 6; ++i) {
      EXPECT_GE(a.ops[i], 0);
      EXPECT_LT(a.ops[i], 6);
      ops_seen.insert(a.ops[i]);
      ASSERT_EQ(a.skips[i].size(), static_cast<size_t>(i)) << "layer " << i;
      for (int b : a.skips[i]) {
        EXPECT_TRUE(b == 0 || b == 1);
        skips_on += b;
        ++skips_all;
      }
    }
  }
  EXPECT_EQ(ops_seen.size(), 6u);  // near-uniform start: every op gets drawn
  EXPECT_GT(skips_on, skips_all / 5);
  EXPECT_LT(skips_on, 4 * skips_all / 5);
  // gradients reach the attention through the skip log-probabilities and the penalty
  (s.log_probs.sum() + s.skip_penalty.sum()).backward();
  for (const char* name : {"attn1.weight", "attn2.weight", "attn_v.weight", "op_head.weight", "g_emb"}) {
    const at::Tensor g = ctl->named_parameters()[name].grad();
    ASSERT_TRUE(g.defined()) << name;
    EXPECT_GT(g.abs().sum().item<double>(), 0.0) << name;
  }

  c.uniform = true;
  MacroController uni(c);
  auto u = uni->sample(4);
  // uniform: log p of an op is -log 6, of a skip bit -log 2; layout [op0, op1, skip1_0, op2, ...]
  EXPECT_NEAR(u.log_probs[0][0].item<double>(), -std::log(6.0), 1e-6);
  EXPECT_NEAR(u.log_probs[0][2].item<double>(), -std::log(2.0), 1e-6);
  EXPECT_NEAR(u.log_probs[0][3].item<double>(), -std::log(6.0), 1e-6);
}

TEST(EnasMacroController, SkipPenaltyIsTheBernoulliKl) {
  // KL(0.4 || 0.4) = 0; KL(0.8 || 0.4) = 0.8 ln 2 + 0.2 ln(1/3) = 0.334795...; KL(0.1 || 0.4) =
  // 0.1 ln(0.25) + 0.9 ln(1.5) = 0.226282...
  EXPECT_NEAR(skip_kl_penalty(at::tensor({0.4}, at::kDouble), 0.4).item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(skip_kl_penalty(at::tensor({0.8}, at::kDouble), 0.4).item<double>(),
              0.8 * std::log(2.0) + 0.2 * std::log(1.0 / 3.0), 1e-9);
  EXPECT_NEAR(skip_kl_penalty(at::tensor({0.8, 0.1, 0.4}, at::kDouble), 0.4).item<double>(), 0.334795 + 0.226282, 1e-5);
  EXPECT_TRUE(std::isfinite(skip_kl_penalty(at::tensor({0.0, 1.0}, at::kDouble), 0.4).item<double>()));

  // A uniform controller skips with p = 1/2: its penalty per sample is L(L-1)/2 x KL(0.5 || 0.4).
  MacroControllerConfig c;
  c.num_layers = 4;
  c.uniform = true;
  const double kl = 0.5 * std::log(0.5 / 0.4) + 0.5 * std::log(0.5 / 0.6);
  EXPECT_NEAR(MacroController(c)->sample(2).skip_penalty[1].item<double>(), 6 * kl, 1e-6);

  // Minimising the penalty alone pulls the skip frequency to the target (the term's sign).
  at::manual_seed(11);
  c.uniform = false;
  c.hidden = 16;
  c.skip_target = 0.1;
  MacroController ctl(c);
  torch::optim::Adam opt(ctl->parameters(), torch::optim::AdamOptions(0.05));
  auto frequency = [&] {
    at::NoGradGuard ng;
    double on = 0;
    for (const auto& a : ctl->sample(200).arcs)
      for (const auto& s : a.skips)
        for (int b : s) on += b;
    return on / (200.0 * 6);
  };
  const double before = frequency();
  for (int step = 0; step < 60; ++step) {
    opt.zero_grad();
    ctl->sample(4).skip_penalty.mean().backward();
    opt.step();
  }
  const double after = frequency();
  EXPECT_GT(before, 0.35);
  EXPECT_LT(after, 0.2) << "before " << before << " after " << after;
}

TEST(EnasMacroNetwork, OutputShapesLayoutAndSkipsChangeTheOutput) {
  MacroCnnConfig c;
  c.channels = 4;
  c.num_layers = 6;
  EXPECT_EQ(c.reductions_after(), (std::vector<int64_t>{1, 3}));  // L/3 - 1, 2L/3 - 1
  c.num_layers = 12;
  EXPECT_EQ(c.reductions_after(), (std::vector<int64_t>{3, 7}));
  c.num_layers = 24;
  EXPECT_EQ(c.reductions_after(), (std::vector<int64_t>{7, 15}));
  c.num_layers = 6;
  MacroCnn net(c);
  EXPECT_EQ(net->layer_channels(), (std::vector<int64_t>{4, 4, 4, 4, 4, 4}));  // constant width in the search
  MacroArc a;
  a.ops = {0, 1, 2, 3, 4, 5};
  for (int i = 0; i < 6; ++i) a.skips.push_back(std::vector<int>(static_cast<size_t>(i), 0));
  net->train();
  const at::Tensor x = at::randn({2, 3, 32, 32});
  EXPECT_EQ(net->forward(x, a, true).sizes(), (std::vector<int64_t>{2, 10}));

  // Which earlier layers the last layer adds is what the skip bits say: every pattern
  // gives another output, the same pattern the same output.
  auto out = [&](std::vector<int> last_skips) {
    MacroArc b = a;
    b.skips[5] = std::move(last_skips);
    return net->forward(x, b, false);
  };
  const at::Tensor none = out({0, 0, 0, 0, 0}), first = out({1, 0, 0, 0, 0}), fourth = out({0, 0, 0, 1, 0});
  EXPECT_TRUE(at::allclose(none, out({0, 0, 0, 0, 0})));
  EXPECT_FALSE(at::allclose(none, first));
  EXPECT_FALSE(at::allclose(none, fourth));
  EXPECT_FALSE(at::allclose(first, fourth));
  // A skip from layer 0 makes layer 0's branch weights matter through that path too: with
  // the skip its weights' gradient differs from the chain-only one.
  auto grad0 = [&](std::vector<int> last_skips) {
    net->zero_grad();
    out(std::move(last_skips)).sum().backward();
    return net->named_parameters()["layer0_conv_3x3.conv.weight"].grad().clone();
  };
  EXPECT_FALSE(at::allclose(grad0({0, 0, 0, 0, 0}), grad0({1, 0, 0, 0, 0})));

  // fashion-mnist: 1x28x28 -> 14 -> 7; 30x30 cannot halve twice
  c.in_channels = 1;
  c.height = c.width = 28;
  EXPECT_EQ(MacroCnn(c)->forward(at::randn({3, 1, 28, 28}), a, false).sizes(), (std::vector<int64_t>{3, 10}));
  c.height = c.width = 30;
  EXPECT_THROW(MacroCnn{c}, nas::ConfigError);
  // a fixed network has only its arc's branches and refuses another arc's ops
  c.height = c.width = 8;
  MacroCnn fixed(c, a);
  MacroArc other = a;
  other.ops[0] = 1;
  EXPECT_THROW(fixed->forward(at::randn({2, 1, 8, 8}), other, false), nas::Error);
  EXPECT_LT(nas::count_parameters(*fixed), nas::count_parameters(*MacroCnn(c)));
}

TEST(EnasMacroNetwork, ParameterCountOfAFixedArchitecture) {
  // example_macro() at C=4, L=3, 3 input channels, 10 classes, width doubling at the
  // reductions after layers 0 and 1 (widths 4, 8, 16). By hand:
  //   stem conv 3*4*9 = 108 + BN 8                                        = 116
  //   layer 0 conv_3x3 (4->4): 1x1 16 + BN 8 + 3x3 144 + BN 8             = 176
  //   reduce after 0: one factorized reduction 4->8: 2 x (4*4) + BN 16    =  48
  //   layer 1 sep_conv_3x3 (8): 1x1 64 + BN 16 + dw 72 + pw 64 + BN 16    = 232, + sum BN 16 = 248
  //   reduce after 1: two factorized reductions 8->16: 2 x (2 x 64 + 32)  = 320
  //   layer 2 max_pool_3x3 (16): 1x1 256 + BN 32, + sum BN 32             = 320
  //   classifier 16*10 + 10                                               = 170
  //   total                                                               = 1398
  MacroCnnConfig c;
  c.channels = 4;
  c.num_layers = 3;
  c.height = c.width = 8;
  c.grow_channels = true;
  MacroCnn net(c, example_macro());
  EXPECT_EQ(net->layer_channels(), (std::vector<int64_t>{4, 8, 16}));
  EXPECT_EQ(nas::count_parameters(*net), 1398);
  net->eval();
  EXPECT_EQ(net->forward(at::randn({2, 3, 8, 8}), false).sizes(), (std::vector<int64_t>{2, 10}));
}

TEST(EnasMacroSearch, EpochsDerivePicturesAndExactResume) {
  auto data = std::make_shared<enas_cnn_test::TinyImages>();
  auto ctx = enas_cnn_test::context("macro-search");
  EnasCnnSearch a(search_cfg(tiny_macro_search()), data, *ctx);
  EXPECT_STREQ(a.space().name(), "macro");
  auto m1 = a.run_epoch();
  EXPECT_TRUE(std::isfinite(m1["train_loss"]));
  EXPECT_GE(m1["valid_accuracy"], 0.0);
  EXPECT_LE(m1["valid_accuracy"], 1.0);
  ASSERT_EQ(m1.count("controller_loss"), 1u);
  EXPECT_TRUE(std::isfinite(m1["controller_loss"]));
  const auto dir = ctx->run_dir() / "search";
  const nas::Genotype derived = nas::load_genotype(dir / "derived_architecture.json");
  EXPECT_EQ(derived.space, "enas-cnn-macro");
  EXPECT_EQ(genotype_macro(derived, "derived").layers(), 3);
  EXPECT_EQ(derived.meta["cnn_space"], "macro");
  // one picture per epoch (the .dot source is written even without Graphviz)
  bool dot = false;
  for (const auto& f : std::filesystem::directory_iterator(dir / "networks"))
    if (f.path().string().find("-network.dot") != std::string::npos) dot = true;
  EXPECT_TRUE(dot);
  EXPECT_NE(read_file(dir / "networks" / "index.html").find("ENAS macro search"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(a.shared_model_file()));
  const auto ckpt = ctx->run_dir() / "ckpt.pt";
  a.save(ckpt);
  a.run_epoch();

  auto ctx2 = enas_cnn_test::context("macro-search-resume");
  EnasCnnSearch b(search_cfg(tiny_macro_search()), data, *ctx2);
  b.load(ckpt);
  EXPECT_EQ(b.completed_epochs(), 1);
  b.run_epoch();
  ASSERT_NO_FATAL_FAILURE(enas_cnn_test::expect_same_weights(a, b));
  EXPECT_EQ(a.state_summary()["derived_arc"], b.state_summary()["derived_arc"]);
  EXPECT_DOUBLE_EQ(a.reinforce().baseline()[0].item<double>(), b.reinforce().baseline()[0].item<double>());

  auto gs = b.derive(nas::Config(nas::Json{{"samples", 4}}));
  ASSERT_EQ(gs.size(), 1u);
  EXPECT_EQ(gs[0].space, "enas-cnn-macro");
  EXPECT_NO_THROW(genotype_macro(gs[0], "derived"));

  // a micro checkpoint is not a macro one
  nas::Json micro = tiny_macro_search();
  micro["cnn_space"] = "micro";
  micro["num_blocks"] = 3;
  micro["num_layers"] = 1;
  auto ctx3 = enas_cnn_test::context("macro-vs-micro");
  EnasCnnSearch m(search_cfg(micro), data, *ctx3);
  EXPECT_THROW(m.load(ckpt), nas::Error);
}

TEST(EnasMacroSearch, DefaultsAndUnknownSpace) {
  auto macro = resolve_network_defaults(search_cfg({{"network", "cnn"}, {"cnn_space", "macro"}}));
  EXPECT_DOUBLE_EQ(macro.get_float("tanh_c"), 1.5);
  EXPECT_DOUBLE_EQ(macro.get_float("controller_lr"), 1e-3);
  EXPECT_EQ(macro.get_int("controller_steps"), 50);
  EXPECT_EQ(macro.get_int("controller_num_aggregate"), 20);
  EXPECT_EQ(macro.get_int("num_layers"), 12);
  EXPECT_EQ(macro.get_int("channels"), 36);
  EXPECT_DOUBLE_EQ(macro.get_float("skip_weight"), 0.8);
  EXPECT_DOUBLE_EQ(macro.get_float("skip_target"), 0.4);
  auto micro = resolve_network_defaults(search_cfg({{"network", "cnn"}}));
  EXPECT_EQ(micro.get_string("cnn_space"), "micro");
  EXPECT_EQ(micro.get_int("num_layers"), 6);
  EXPECT_DOUBLE_EQ(micro.get_float("tanh_c"), 1.10);

  auto data = std::make_shared<enas_cnn_test::TinyImages>();
  auto ctx = enas_cnn_test::context("macro-bad");
  nas::Json o = tiny_macro_search();
  o["cnn_space"] = "mezzo";
  try {
    EnasCnnSearch s(search_cfg(o), data, *ctx);
    FAIL() << "an unknown cnn_space was accepted";
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: micro, macro"), std::string::npos) << e.what();
  }
  o = tiny_macro_search();
  o["train_type"] = "random";
  o["epochs"] = 1;
  EnasCnnSearch r(search_cfg(o), data, *ctx);
  EXPECT_EQ(r.run_epoch().count("controller_reward"), 0u);
}

TEST(EnasMacroTrainers, ScratchAndSharedWeightEvaluation) {
  auto data = std::make_shared<enas_cnn_test::TinyImages>(3, 8, 4);
  auto ctx = enas_cnn_test::context("macro-trainers");
  const nas::Genotype g = macro_genotype(example_macro());
  nas::Json o = {{"epochs", 3},           {"channels", 4},     {"num_layers", 3}, {"batch_size", 16},
                 {"eval_batch_size", 16}, {"augment", false},  {"lr_t0", 3},      {"log_step", 1},
                 {"keep_prob", 0.9},      {"auxiliary", false}};  // 8x8 inputs are 2x2 after both reductions
                                                                  // (test_cnn_macro_aux.cpp has it on)
  EnasCnnScratchTrainer t(nas::Config::validated(o, cnn_scratch_options(), "train"), *ctx);
  EXPECT_EQ(t.count_params(g, *data), 1398 - (16 * 10 + 10) + (16 * 4 + 4));  // the hand count, with 4 classes
  auto r = t.train(g, *data);
  EXPECT_EQ(r.params, t.count_params(g, *data));
  EXPECT_TRUE(std::filesystem::exists(r.model_file));
  EXPECT_GT(r.metrics["test_accuracy"], 0.4);  // the quadrant task is easy; chance is 0.25
  EXPECT_EQ(load_macro_cnn(r.model_file, c10::Device(c10::kCPU))->fixed_arc(), example_macro());

  // shared weights of a macro search, evaluated on a given genotype
  nas::Json so = tiny_macro_search();
  so["epochs"] = 1;
  EnasCnnSearch s(search_cfg(so), data, *ctx);
  s.run_epoch();
  EnasCnnEvalTrainer ev(
      nas::Config::validated({{"model_file", s.shared_model_file().string()}}, cnn_eval_options(), "t"), *ctx);
  auto re = ev.train(g, *data);
  EXPECT_GE(re.metrics["test_accuracy"], 0.0);
  EXPECT_LE(re.metrics["test_accuracy"], 1.0);
  EXPECT_EQ(re.params, ev.count_params(g, *data));
  MacroArc longer = example_macro();
  longer.ops.push_back(0);
  longer.skips.push_back({0, 0, 0});
  EXPECT_THROW(ev.train(macro_genotype(longer), *data), nas::Error);  // 4 layers vs the model's 3
}
