// Strategy "darts-cc": configuration errors before training, a real (second-order)
// search on tiny data, exact resume on CPU, derivation at any λ̃, the complexity effect,
// and the random baseline strategy.
#include <gtest/gtest.h>

#include <filesystem>

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include "darts_cc_strategy.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/support/default_dtype.hpp"
#include "nashost/support/op_stream.hpp"
#include "nashost/support/standalone_context.hpp"
#include "random_strategy.hpp"
#include "temp_dir.hpp"
#include "tiny_images.hpp"

using namespace nas::darts_cc;

namespace {

struct Fixture {
  darts_cc_test::TempDir tmp;
  std::filesystem::path dir = tmp.path;
  nas::StandaloneContext ctx;
  std::shared_ptr<darts_cc_test::TinyImages> data = std::make_shared<darts_cc_test::TinyImages>(1, 8);
  explicit Fixture(const std::string& name) : tmp("darts_cc_strategy_" + name), ctx(tmp.path, 11) {
    ctx.add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  }
};

// A tiny search: 3 cells of width 4 on 8×8 images, 3 steps per epoch.
nas::Json tiny(nas::Json extra = nas::Json::object()) {
  nas::Json j{{"layers", 3},           {"channels", 4},   {"epochs", 3}, {"batch_size", 8}, {"max_steps_per_epoch", 3},
              {"max_eval_batches", 2}, {"augment", false}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

std::shared_ptr<DartsCCStrategy> make(Fixture& f, const nas::Json& j) {
  return std::make_shared<DartsCCStrategy>(nas::Config::validated(j, search_options(), "search"), f.data, f.ctx);
}

nas::Config args(nas::Json j) { return nas::Config(j, "derive"); }

std::string config_error(Fixture& f, const nas::Json& j) {
  try {
    make(f, j);
  } catch (const nas::ConfigError& e) {
    return e.what();
  }
  return "";
}

std::vector<at::Tensor> state(DartsCCStrategy& s) {
  std::vector<at::Tensor> out;
  for (const auto& p : s.model()->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : s.model()->buffers()) out.push_back(b.detach().clone());
  return out;
}

}  // namespace

TEST(DartsCCStrategy, BadConfigurationsFailAtConstruction) {
  Fixture f("config");
  const std::string range = config_error(f, tiny({{"log10_lambda_min", -4.0}, {"log10_lambda_max", -4.0}}));
  EXPECT_NE(range.find("search.log10_lambda_min"), std::string::npos) << range;
  EXPECT_NE(config_error(f, tiny({{"log10_lambda_min", -3.0}, {"log10_lambda_max", -6.0}})), "");
  EXPECT_NE(config_error(f, tiny({{"order", 3}})).find("search.order"), std::string::npos);
  EXPECT_NE(config_error(f, tiny({{"sampling", "igr"}})).find("search.sampling"), std::string::npos);
  EXPECT_NE(config_error(f, tiny({{"lambda_samples", 2}})).find("lambda_samples"), std::string::npos);
  EXPECT_NE(config_error(f, tiny({{"epochs", 100}})).find("temp_delta"), std::string::npos);  // t < 0 by epoch 63
  EXPECT_NE(config_error(f, tiny({{"batch_size", 64}})).find("batch"), std::string::npos);    // 48 examples
  EXPECT_THROW(make(f, tiny({{"no_such_option", 1}})), nas::ConfigError);
}

TEST(DartsCCStrategy, DeriveRejectsLambdaOutsideUnitIntervalAndUnknownRules) {
  Fixture f("derive");
  auto s = make(f, tiny());
  EXPECT_THROW(s->derive(args({{"lambda", 1.5}})), nas::ConfigError);
  EXPECT_THROW(s->derive(args({{"lambda", -0.1}})), nas::ConfigError);
  EXPECT_THROW(s->derive(args({{"lambda", 0.5}, {"rule", "top3"}})), nas::ConfigError);
  EXPECT_THROW(s->derive(args(nas::Json::object())), nas::ConfigError);  // lambda is required
  for (double lt : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    const auto gs = s->derive(args({{"lambda", lt}, {"rule", "darts"}}));
    ASSERT_EQ(gs.size(), 1u);
    for (const auto& node : gs[0].normal.nodes) EXPECT_EQ(node.size(), 2u);
    EXPECT_DOUBLE_EQ(gs[0].meta["lambda_tilde"].get<double>(), lt);
    // The integer JSON in the meta decodes to the same genotype.
    // (Edges of a node are listed best first, so compare in the positional encoding.)
    EXPECT_EQ(nas::to_darts_cc_json(nas::genotype_from_darts_cc_json(gs[0].meta["darts_cc_json"])),
              nas::to_darts_cc_json(gs[0]));
  }
  const auto simple = s->derive(args({{"lambda", 1}}));  // an integer λ̃ is fine
  EXPECT_EQ(simple[0].meta["rule"], "simple");
}

TEST(DartsCCStrategy, SecondOrderEpochRunsAndResumeIsExact) {
  Fixture f("resume");
  // Uninterrupted: two epochs.
  auto a = make(f, tiny());
  const auto m0 = a->run_epoch();
  for (const char* key : {"train_loss", "arch_loss", "penalty", "valid_accuracy", "expected_params_l1"}) {
    ASSERT_TRUE(m0.count(key)) << key;
    EXPECT_TRUE(std::isfinite(m0.at(key))) << key;
  }
  EXPECT_DOUBLE_EQ(m0.at("temperature"), 1.0);
  a->run_epoch();
  EXPECT_EQ(a->completed_epochs(), 2);

  // Interrupted after one epoch, saved, restored into a fresh strategy, second epoch.
  auto b = make(f, tiny());
  b->run_epoch();
  const auto file = f.dir / "ckpt.pt";
  b->save(file);
  auto c = make(f, tiny());
  c->load(file);
  EXPECT_EQ(c->completed_epochs(), 1);
  const auto m1 = c->run_epoch();
  EXPECT_NEAR(m1.at("temperature"), 1.0 - 0.016, 1e-12);
  const auto sa = state(*a), sc = state(*c);
  ASSERT_EQ(sa.size(), sc.size());
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_TRUE(at::equal(sa[i], sc[i])) << "tensor " << i;
  EXPECT_EQ(a->derive(args({{"lambda", 0.3}}))[0], c->derive(args({{"lambda", 0.3}}))[0]);

  // A checkpoint of another configuration is refused with the file named.
  auto other = make(f, tiny({{"channels", 6}}));
  try {
    other->load(file);
    FAIL();
  } catch (const nas::Error& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt.pt"), std::string::npos);
  }
}

TEST(DartsCCStrategy, PenaltyPushesHighLambdaTowardsParameterFreeCells) {
  Fixture f("effect");
  // λ from 1e-4 (no pressure at this tiny scale) to 1e0 (penalty dominates); fast Adam.
  auto s = make(f, tiny({{"order", 1},
                         {"log10_lambda_min", -4.0},
                         {"log10_lambda_max", 0.0},
                         {"alpha_lr", 0.05},
                         {"max_steps_per_epoch", 6},
                         {"epochs", 4}}));
  const double start0 = s->model()->expected_params(0.0).item<double>();
  const double start1 = s->model()->expected_params(1.0).item<double>();
  {
    at::NoGradGuard no_grad;  // the strategy turns gradients back on for its own steps
    for (int e = 0; e < 4; ++e) s->run_epoch();
  }
  const double end0 = s->model()->expected_params(0.0).item<double>();
  const double end1 = s->model()->expected_params(1.0).item<double>();
  EXPECT_LT(end1 / start1, 0.7) << start1 << " -> " << end1;
  EXPECT_LT(end1 / start1, end0 / start0 - 0.1) << start0 << " -> " << end0;
}

TEST(RandomShareStrategy, DeriveReturnsSeededGenotypes) {
  RandomShareStrategy s(nas::Config::validated(nas::Json::object(), random_options(), "search"));
  EXPECT_EQ(s.total_epochs(), 0);
  const auto gs = s.derive(args({{"count", 20}}));
  ASSERT_EQ(gs.size(), 20u);
  EXPECT_EQ(gs, s.derive(args(nas::Json::object())));
  EXPECT_NE(gs, s.derive(args({{"seed", 1}})));
  EXPECT_THROW(s.derive(args({{"count", 1}})), nas::ConfigError);
}

TEST(DartsCCStrategy, PivotLearningRateScale) {
  Fixture f("pivots");
  auto s = make(f, tiny({{"order", 1}, {"pivot_lr_scale", 0.0}, {"epochs", 1}}));
  const auto pivots = s->model()->arch_pivots()[0].detach().clone();
  const auto knots = s->model()->arch_knots()[0].detach().clone();
  s->run_epoch();
  EXPECT_TRUE(at::equal(pivots, s->model()->arch_pivots()[0]));  // frozen
  EXPECT_FALSE(at::equal(knots, s->model()->arch_knots()[0]));   // trained
  auto t = make(f, tiny({{"order", 1}, {"epochs", 1}}));         // default: pivots train too
  const auto p0 = t->model()->arch_pivots()[0].detach().clone();
  t->run_epoch();
  EXPECT_FALSE(at::equal(p0, t->model()->arch_pivots()[0]));
}

// cuda_graph = true: the step as one graph-safe body (λ, λ̃, t and the learning rate as tensor
// inputs, the losses checked after the step). On the CPU it runs uncaptured and must be the
// ordinary step to rounding, Gumbel noise included, over epochs and across a resume. In
// float64: Adam's first steps move every architecture entry by ±alpha_lr whatever the size of
// its gradient, so an entry whose gradient is near zero turns float32 rounding differences
// into steps of alpha_lr.
TEST(DartsCCStrategy, CudaGraphStepEqualsTheOrdinaryStep) {
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());
  for (const int order : {1, 2}) {
    SCOPED_TRACE("order " + std::to_string(order));
    Fixture f("graph" + std::to_string(order));
    auto a = make(f, tiny({{"order", order}}));
    auto b = make(f, tiny({{"order", order}, {"cuda_graph", true}}));
    ASSERT_NE(b->step_graph(), nullptr);
    ASSERT_EQ(a->model()->parameters()[0].scalar_type(), at::kDouble);
    for (int e = 0; e < 2; ++e) {
      const auto ma = a->run_epoch(), mb = b->run_epoch();
      for (const char* key : {"train_loss", "train_accuracy", "arch_loss", "penalty"})
        EXPECT_NEAR(ma.at(key), mb.at(key), 1e-9 * (1 + std::abs(ma.at(key)))) << key << " epoch " << e;
    }
    b->save(f.dir / "graph.pt");
    auto c = make(f, tiny({{"order", order}, {"cuda_graph", true}}));
    c->load(f.dir / "graph.pt");
    a->run_epoch();
    c->run_epoch();
    const auto sa = state(*a), sc = state(*c);
    ASSERT_EQ(sa.size(), sc.size());
    for (size_t i = 0; i < sa.size(); ++i) EXPECT_TRUE(at::allclose(sa[i], sc[i], 1e-8, 1e-10)) << "tensor " << i;
  }
  // A captured step is one process's.
  Fixture f("graph_shards");
  EXPECT_NE(config_error(f, tiny({{"cuda_graph", true}, {"micro_batches", 2}})).find("micro_batches = 1"),
            std::string::npos);
}

// One capture serves every step: the graph-safe step dispatches the same ops with the same
// non-tensor arguments for another λ, temperature, learning rate and batch (one step per
// epoch here, so each recorded step has its own of all four).
TEST(DartsCCStrategy, CudaGraphStepDispatchesTheSameOpsEveryStep) {
  for (const int order : {1, 2}) {
    SCOPED_TRACE("order " + std::to_string(order));
    Fixture f("graph_stream" + std::to_string(order));
    auto s = make(f, tiny({{"order", order}, {"cuda_graph", true}, {"max_steps_per_epoch", 1}}));
    s->run_epoch();  // the first step makes the optimisers' state
    const auto a = nas::graph_safe_op_stream([&] { s->run_epoch(); });
    const auto b = nas::graph_safe_op_stream([&] { s->run_epoch(); });
    EXPECT_GT(a.size(), 1000u);
    EXPECT_EQ(nas::first_difference(a, b), "");
  }
}

// On a GPU machine: replays (with fresh Gumbel noise from the graph's generator state each
// step) give the uncaptured search (tools/device-check.sh runs this; here it says it skipped).
TEST(DartsCCStrategy, CudaGraphReplaysGiveTheUncapturedSearchOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: the capture runs on a GPU machine";
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());  // as above: float64, so rounding stays small
  for (const int order : {1, 2}) {
    SCOPED_TRACE("order " + std::to_string(order));
    darts_cc_test::TempDir tmp("darts_cc_graph_cuda" + std::to_string(order));
    auto data = std::make_shared<darts_cc_test::TinyImages>(1, 8);
    auto run = [&](bool graph) {
      nas::StandaloneContext ctx(tmp.path / (graph ? "g" : "e"), 11, at::Device(at::kCUDA, 0));
      ctx.add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
      DartsCCStrategy s(
          nas::Config::validated(tiny({{"order", order}, {"cuda_graph", graph}}), search_options(), "search"), data,
          ctx);
      for (int e = 0; e < 3; ++e) s.run_epoch();  // 9 steps: 3 warm-up, the capture, 5 replays
      if (graph) {
        EXPECT_TRUE(s.step_graph()->captured());
        EXPECT_EQ(s.step_graph()->replays(), 6);
      }
      return state(s);
    };
    const auto eager = run(false), graphed = run(true);
    ASSERT_EQ(eager.size(), graphed.size());
    for (size_t i = 0; i < eager.size(); ++i)
      EXPECT_TRUE(at::allclose(eager[i].cpu(), graphed[i].cpu(), 1e-6, 1e-8)) << "tensor " << i;
  }
}
