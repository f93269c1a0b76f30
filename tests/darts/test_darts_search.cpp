// DARTS strategy: derivation, resume equivalence, errors, per-epoch outputs, regression,
// the evaluation trainer, and a short real search on a Fashion-MNIST subset.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "darts_eval_trainer.hpp"
#include "darts_search.hpp"
#include "nashost/nn/derive_cell.hpp"
#include "images/mnist.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/support/aten_op_count.hpp"
#include "nashost/support/default_dtype.hpp"
#include "nashost/support/op_stream.hpp"
#include "nashost/support/standalone_context.hpp"
#include "nashost/support/tensor_dataset.hpp"

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  // A new folder per run (no remove_all: libtorch.so exports an incompatible copy of
  // std::filesystem::remove_all that crashes when linked first).
  const fs::path d =
      fs::temp_directory_path() / ("nashost_darts_" + name + "_" + std::to_string(::getpid()) + "_" +
                                   std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(d);
  return d;
}

std::unique_ptr<nas::StandaloneContext> context(const fs::path& dir, uint64_t seed = 7,
                                                at::Device device = at::Device(at::kCPU)) {
  auto ctx = std::make_unique<nas::StandaloneContext>(dir, seed, device);
  ctx->add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  return ctx;
}

std::shared_ptr<nas::TensorDataset> tiny_data(int64_t size = 8, bool regression = false) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  auto part = [&](int64_t n) {
    const at::Tensor x = at::randn({n, 1, size, size}, gen);
    // A learnable target: the sign of the mean brightness of the top half.
    const at::Tensor score = x.slice(2, 0, size / 2).mean({1, 2, 3});
    if (regression) return nas::TensorDataset::Part{x, score.unsqueeze(1) * 4};
    return nas::TensorDataset::Part{x, (score > 0).to(at::kLong)};
  };
  nas::DatasetInfo info;
  info.name = regression ? "tiny-regression" : "tiny";
  info.task = regression ? nas::Task::Regression : nas::Task::Classification;
  info.input_shape = {1, size, size};
  info.num_outputs = regression ? 1 : 2;
  return std::make_shared<nas::TensorDataset>(info, part(16), part(16), part(16));
}

nas::Config tiny_options(nas::Json extra = nas::Json::object()) {
  nas::Json o = {{"epochs", 4}, {"batch_size", 8}, {"channels", 2},  {"layers", 3},
                 {"nodes", 2},  {"order", 2},      {"plots", false}, {"alpha_lr", 0.05}};
  for (auto& [k, v] : extra.items()) o[k] = v;
  return nas::Config::validated(o, nas::darts::search_options(), "search");
}

at::Tensor row(std::vector<double> v) { return at::tensor(at::ArrayRef<double>(v), at::kDouble); }

TEST(DartsDerive, Softmax_then_exclude_none_then_two_strongest) {
  const auto& ops = nas::nn::darts_primitives();  // none, max, avg, skip, sep3, sep5, dil3, dil5
  at::Tensor a = at::zeros({14, 8}, at::kDouble);
  // node 0: edge s0 dominated by `none` (ignored), best real op dil5; edge s1 sep3.
  a[0] = row({9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0});
  a[1] = row({0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0});
  // node 1 (rows 2,3,4): raw logits favour row 2 (5.0) but its softmax is spread over six
  // near-equal ops; row 4 has the highest probability (pt.darts, ranking raw logits, would pick row 2; docs/methods.md,
  // DARTS).
  a[2] = row({0.0, 4.9, 4.9, 4.9, 5.0, 4.9, 4.9, 4.9});
  a[3] = row({0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  a[4] = row({0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0});
  // node 2 (rows 5..8): ties between rows 5 and 6 go to the lower input; row 8 strongest.
  a[5] = row({0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  a[6] = row({0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  a[8] = row({0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0});
  const nas::CellGenotype c = nas::nn::derive_cell(a, ops, 4);
  ASSERT_EQ(c.nodes.size(), 4u);
  EXPECT_EQ(c.nodes[0], (std::vector<nas::GenotypeEdge>{{"sep_conv_3x3", 1}, {"dil_conv_5x5", 0}}));
  EXPECT_EQ(c.nodes[1], (std::vector<nas::GenotypeEdge>{{"skip_connect", 2}, {"avg_pool_3x3", 1}}));
  EXPECT_EQ(c.nodes[2], (std::vector<nas::GenotypeEdge>{{"dil_conv_3x3", 3}, {"max_pool_3x3", 0}}));
  EXPECT_EQ(c.concat, (std::vector<int>{2, 3, 4, 5}));
  // All-equal rows: stable order keeps inputs 0 and 1, first real op (max_pool) wins.
  EXPECT_EQ(c.nodes[3], (std::vector<nas::GenotypeEdge>{{"max_pool_3x3", 0}, {"max_pool_3x3", 1}}));
}

TEST(DartsSearch, Resume_gives_the_same_result_as_an_uninterrupted_run) {
  const auto data = tiny_data();
  const fs::path dir = fresh_dir("resume");
  auto ctx_a = context(dir / "a");
  nas::darts::DartsSearch a(tiny_options(), data, *ctx_a);
  for (int i = 0; i < 4; ++i) a.run_epoch();

  auto ctx_b = context(dir / "b");
  auto b1 = std::make_unique<nas::darts::DartsSearch>(tiny_options(), data, *ctx_b);
  b1->run_epoch();
  b1->run_epoch();
  b1->save(dir / "ckpt.pt");
  b1.reset();
  torch::manual_seed(12345);  // disturb the global RNG: the checkpoint must restore it
  nas::darts::DartsSearch b2(tiny_options(), data, *ctx_b);
  b2.load(dir / "ckpt.pt");
  EXPECT_EQ(b2.completed_epochs(), 2);
  b2.run_epoch();
  b2.run_epoch();
  EXPECT_TRUE(at::equal(a.alpha_normal(), b2.alpha_normal()));
  EXPECT_TRUE(at::equal(a.alpha_reduce(), b2.alpha_reduce()));
  EXPECT_EQ(a.current_genotype(), b2.current_genotype());
  // The alphas moved away from their 1e-3 initialisation.
  EXPECT_GT(a.alpha_normal().abs().max().item<double>(), 0.01);
  // A checkpoint from a different supernet is refused with the key named.
  auto ctx_c = context(dir / "c");
  nas::darts::DartsSearch c(tiny_options({{"channels", 4}}), data, *ctx_c);
  try {
    c.load(dir / "ckpt.pt");
    FAIL();
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("channels"), std::string::npos);
  }
}

TEST(DartsSearch, Edge_batching_is_an_implementation_detail) {
  // batch_edges only changes floating-point rounding: the same search with and without it
  // ends with the same alphas (to rounding) and genotype, and their checkpoints are
  // interchangeable.
  const auto data = tiny_data();
  const fs::path dir = fresh_dir("batching");
  auto ctx_a = context(dir / "a");
  auto ctx_b = context(dir / "b");
  nas::darts::DartsSearch batched(tiny_options(), data, *ctx_a);
  nas::darts::DartsSearch per_edge(tiny_options({{"batch_edges", false}}), data, *ctx_b);
  ASSERT_TRUE(batched.network()->options().batch_edges);
  ASSERT_FALSE(per_edge.network()->options().batch_edges);
  for (int i = 0; i < 2; ++i) {
    batched.run_epoch();
    per_edge.run_epoch();
  }
  EXPECT_TRUE(at::allclose(batched.alpha_normal(), per_edge.alpha_normal(), 1e-3, 1e-5));
  EXPECT_TRUE(at::allclose(batched.alpha_reduce(), per_edge.alpha_reduce(), 1e-3, 1e-5));
  EXPECT_EQ(batched.current_genotype(), per_edge.current_genotype());
  per_edge.save(dir / "per_edge.pt");
  auto ctx_c = context(dir / "c");
  nas::darts::DartsSearch resumed(tiny_options(), data, *ctx_c);
  resumed.load(dir / "per_edge.pt");
  EXPECT_TRUE(at::equal(resumed.alpha_normal(), per_edge.alpha_normal()));
  resumed.run_epoch();
  per_edge.run_epoch();
  EXPECT_TRUE(at::allclose(resumed.alpha_normal(), per_edge.alpha_normal(), 1e-3, 1e-5));
}

TEST(DartsSearch, Writes_per_epoch_genotype_alphas_and_pictures) {
  const fs::path dir = fresh_dir("outputs");
  auto ctx = context(dir);
  nas::darts::DartsSearch s(tiny_options({{"epochs", 1}, {"plots", true}, {"order", 1}}), tiny_data(), *ctx);
  const nas::Metrics m = s.run_epoch();
  for (const char* k : {"train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "lr"})
    EXPECT_TRUE(m.count(k)) << k;
  EXPECT_DOUBLE_EQ(m.at("lr"), 0.025);
  const fs::path out = dir / "search";
  EXPECT_TRUE(fs::exists(out / "alphas" / "normal_001.csv"));
  EXPECT_TRUE(fs::exists(out / "alphas" / "table_001.txt"));
  EXPECT_TRUE(fs::exists(out / "alphas" / "heatmap_reduce_001.png"));
  EXPECT_TRUE(fs::exists(out / "plots" / "EP001-normal.png"));
  const nas::Genotype g = nas::load_genotype(out / "genotypes" / "EP001.txt");
  EXPECT_EQ(g, s.current_genotype());
  EXPECT_EQ(s.derive(nas::Config()).at(0), g);
  EXPECT_EQ(s.state_summary()["alpha_normal"].size(), 5u);
  EXPECT_THROW(s.run_epoch(), nas::Error);  // all epochs done
}

TEST(DartsSearch, Rejects_bad_input_sizes_and_orders_before_training) {
  const fs::path dir = fresh_dir("errors");
  auto ctx = context(dir);
  try {
    nas::darts::DartsSearch s(tiny_options(), tiny_data(6), *ctx);  // 6 is not divisible by 4
    FAIL();
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("not divisible by 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nas::darts::DartsSearch(tiny_options({{"order", 3}}), tiny_data(), *ctx), nas::ConfigError);
  // A captured step is one process's: micro-batches (or ranks) are refused with the reason.
  try {
    nas::darts::DartsSearch(tiny_options({{"cuda_graph", true}, {"micro_batches", 2}}), tiny_data(), *ctx);
    FAIL();
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("micro_batches = 1"), std::string::npos) << e.what();
  }
}

TEST(DartsSearch, Nan_loss_raises_numeric_error_naming_the_step) {
  const fs::path dir = fresh_dir("nan");
  auto ctx = context(dir);
  auto base = tiny_data();
  nas::LoaderOptions lo;
  lo.batch_size = 1000;
  auto grab = [&](nas::Split s) {
    auto l = base->loader(s, lo);
    l->start_epoch(0);
    auto b = *l->next();
    return nas::TensorDataset::Part{b.input * std::nan(""), b.target};
  };
  auto data = std::make_shared<nas::TensorDataset>(base->info(), grab(nas::Split::Train), grab(nas::Split::Valid),
                                                   grab(nas::Split::Test));
  for (const bool graph : {false, true}) {  // graph: the losses are checked after the step
    nas::darts::DartsSearch s(tiny_options({{"order", 1}, {"cuda_graph", graph}}), data, *ctx);
    try {
      s.run_epoch();
      FAIL();
    } catch (const nas::NumericError& e) {
      EXPECT_NE(std::string(e.what()).find("architecture step"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("epoch 1/"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("step 1/"), std::string::npos) << e.what();
    }
  }
}

namespace {
void expect_same_search(nas::darts::DartsSearch& a, nas::darts::DartsSearch& b, double rtol, double atol) {
  EXPECT_TRUE(at::allclose(a.alpha_normal(), b.alpha_normal(), rtol, atol));
  EXPECT_TRUE(at::allclose(a.alpha_reduce(), b.alpha_reduce(), rtol, atol));
  const auto pa = a.network()->parameters(), pb = b.network()->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(at::allclose(pa[i], pb[i], rtol, atol)) << i;
  const auto ba = a.network()->buffers(), bb = b.network()->buffers();
  for (size_t i = 0; i < ba.size(); ++i) EXPECT_TRUE(at::allclose(ba[i], bb[i], rtol, atol)) << i;
}
}  // namespace

// cuda_graph = true runs the step as one graph-safe body (nashost/nn/step_graph.hpp): the
// learning rate and Adam's step number as inputs, ε on the device, the losses checked after
// the step. On the CPU that body runs uncaptured and must be the ordinary step to rounding —
// over epochs with a changing learning rate, and across a resume (the graph is dropped on load).
TEST(DartsSearch, Cuda_graph_step_equals_the_ordinary_step) {
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());  // float64, as on CUDA below
  const auto data = tiny_data();
  const fs::path dir = fresh_dir("graph");
  for (const int order : {1, 2}) {
    SCOPED_TRACE("order " + std::to_string(order));
    auto ctx_a = context(dir / ("a" + std::to_string(order)));
    auto ctx_b = context(dir / ("b" + std::to_string(order)));
    nas::darts::DartsSearch ordinary(tiny_options({{"order", order}}), data, *ctx_a);
    auto graphed =
        std::make_unique<nas::darts::DartsSearch>(tiny_options({{"order", order}, {"cuda_graph", true}}), data, *ctx_b);
    ASSERT_NE(graphed->step_graph(), nullptr);
    EXPECT_EQ(ordinary.step_graph(), nullptr);
    for (int e = 0; e < 2; ++e) {
      const auto ma = ordinary.run_epoch(), mb = graphed->run_epoch();
      EXPECT_NEAR(ma.at("train_loss"), mb.at("train_loss"), 1e-10);
    }
    ASSERT_EQ(ordinary.alpha_normal().scalar_type(), at::kDouble);
    expect_same_search(ordinary, *graphed, 1e-9, 1e-11);
    graphed->save(dir / "graph.pt");
    graphed =
        std::make_unique<nas::darts::DartsSearch>(tiny_options({{"order", order}, {"cuda_graph", true}}), data, *ctx_b);
    graphed->load(dir / "graph.pt");
    for (int e = 2; e < 4; ++e) {
      ordinary.run_epoch();
      graphed->run_epoch();
    }
    expect_same_search(ordinary, *graphed, 1e-9, 1e-11);
    EXPECT_GT(ordinary.alpha_normal().abs().max().item<double>(), 0.01);  // the search moved
  }
}

// The graph-safe step reads the device once (the weight step's loss, after the step) where the
// ordinary one reads every loss and the Hessian probe's norm as they come.
TEST(DartsSearch, Cuda_graph_step_reads_the_device_once) {
  const auto data = tiny_data();
  const fs::path dir = fresh_dir("graph_sync");
  auto ctx = context(dir);
  nas::darts::DartsSearch s(tiny_options({{"cuda_graph", true}}), data, *ctx);
  nas::LoaderOptions lo;
  lo.batch_size = 8;
  auto l = data->loader(nas::Split::Train, lo);
  l->start_epoch(0);
  const auto b = *l->next();
  for (int i = 0; i < 2; ++i) {
    const auto callers =
        nas::aten_op_callers([&] { s.step(b, b, 0.025, "test"); }, "aten::_local_scalar_dense", /*depth=*/8);
    int64_t reads = 0;
    std::string chains;
    for (const auto& [chain, n] : callers) {
      chains += chain + "\n";
      // On the CPU the fused Adam kernel reads its step number on the host; its CUDA kernel
      // reads it on the device.
      if (chain.find("aten::_fused_adam_") == std::string::npos) reads += n;
    }
    EXPECT_EQ(reads, 1) << "step " << i << ":\n" << chains;
  }
}

// One capture serves every step: the graph-safe step dispatches the same ops with the same
// non-tensor arguments (what a CUDA graph bakes in) for other batches and learning rates. The
// ordinary step, which passes ξ and the rate as numbers, does not — the check can fail.
TEST(DartsSearch, Cuda_graph_step_dispatches_the_same_ops_every_step) {
  const auto data = tiny_data();
  nas::LoaderOptions lo;
  lo.batch_size = 8;
  auto l = data->loader(nas::Split::Train, lo);
  l->start_epoch(0);
  const auto b1 = *l->next(), b2 = *l->next();
  for (const int order : {1, 2}) {
    SCOPED_TRACE("order " + std::to_string(order));
    auto ctx = context(fresh_dir("graph_stream" + std::to_string(order)));
    nas::darts::DartsSearch graphed(tiny_options({{"order", order}, {"cuda_graph", true}}), data, *ctx);
    graphed.step(b1, b2, 0.025, "warm-up");  // the first step makes the optimisers' state
    const auto a = nas::graph_safe_op_stream([&] { graphed.step(b1, b2, 0.025, "a"); });
    const auto b = nas::graph_safe_op_stream([&] { graphed.step(b2, b1, 0.0173, "b"); });
    EXPECT_GT(a.size(), 1000u);
    EXPECT_EQ(nas::first_difference(a, b), "");

    nas::darts::DartsSearch ordinary(tiny_options({{"order", order}}), data, *ctx);
    ordinary.step(b1, b2, 0.025, "warm-up");
    auto ordinary_stream = [&](double lr) {
      return nas::graph_safe_op_stream([&] {
        const nas::nn::GraphSafeScope record;
        ordinary.step(b1, b2, lr, "ordinary");
      });
    };
    EXPECT_NE(nas::first_difference(ordinary_stream(0.025), ordinary_stream(0.0173)), "");
  }
}

// On a GPU machine: the captured step replays with every step's batch and rate and gives the
// uncaptured step's search (tools/device-check.sh runs this; here it says it was skipped).
TEST(DartsSearch, Cuda_graph_replays_give_the_uncaptured_search_on_cuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: the capture runs on a GPU machine";
  // float64: Adam moves every logit by about alpha_lr whatever its gradient's size, so float32
  // rounding differences (atomic sums in CUDA backward kernels) could flip a near-zero one.
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());
  const auto data = tiny_data();
  const fs::path dir = fresh_dir("graph_cuda");
  for (const int order : {1, 2}) {
    SCOPED_TRACE("order " + std::to_string(order));
    auto ctx_a = context(dir / ("a" + std::to_string(order)), 7, at::Device(at::kCUDA, 0));
    auto ctx_b = context(dir / ("b" + std::to_string(order)), 7, at::Device(at::kCUDA, 0));
    nas::darts::DartsSearch ordinary(tiny_options({{"order", order}}), data, *ctx_a);
    nas::darts::DartsSearch graphed(tiny_options({{"order", order}, {"cuda_graph", true}}), data, *ctx_b);
    for (int e = 0; e < 4; ++e) {  // 2 steps per epoch: 3 warm-up steps, the capture, 4 replays
      const auto ma = ordinary.run_epoch(), mb = graphed.run_epoch();
      EXPECT_NEAR(ma.at("train_loss"), mb.at("train_loss"), 1e-3) << "epoch " << e;
    }
    ASSERT_NE(graphed.step_graph(), nullptr);
    EXPECT_TRUE(graphed.step_graph()->captured());
    EXPECT_EQ(graphed.step_graph()->replays(), 5);
    expect_same_search(ordinary, graphed, 1e-6, 1e-8);
  }
}

TEST(DartsSearch, Regression_reports_whole_split_r2) {
  const fs::path dir = fresh_dir("regression");
  auto ctx = context(dir);
  nas::darts::DartsSearch s(tiny_options({{"epochs", 1}, {"order", 1}}), tiny_data(8, true), *ctx);
  const nas::Metrics m = s.run_epoch();
  EXPECT_TRUE(m.count("valid_r2"));
  EXPECT_TRUE(m.count("train_r2"));
  EXPECT_FALSE(m.count("valid_accuracy"));
  EXPECT_LT(m.at("valid_r2"), 1.0);
}

TEST(DartsEvalTrainer, Trains_tests_and_saves_a_genotype) {
  const fs::path dir = fresh_dir("eval");
  auto ctx = context(dir);
  const nas::Json o = {{"epochs", 2},      {"batch_size", 8},   {"channels", 4},         {"layers", 3},  {"cutout", 0},
                       {"augment", false}, {"auxiliary", true}, {"eval_split", "valid"}, {"label", "v2"}};
  nas::darts::DartsEvalTrainer t(nas::Config::validated(o, nas::darts::eval_options(), "train"), *ctx);
  auto data = tiny_data(24);  // 6x6 at the aux head
  const nas::Genotype g = nas::named_genotype("DARTS_V2");
  const int64_t params = t.count_params(g, *data);
  const nas::TrainResult r = t.train(g, *data);
  EXPECT_EQ(r.params, params);
  ASSERT_TRUE(r.metrics.count("test_accuracy"));
  EXPECT_GE(r.metrics.at("test_accuracy"), 0.0);
  EXPECT_LE(r.metrics.at("test_accuracy"), 1.0);
  EXPECT_TRUE(fs::exists(r.model_file));
  EXPECT_EQ(r.model_file, dir / "train" / "v2" / "model.pt");
  bool saw_valid = false;
  for (const auto& s : ctx->scalars()) saw_valid |= s.tag == "v2/valid_accuracy";
  EXPECT_TRUE(saw_valid);
}

namespace {
/// darts-eval on tiny_data(24) for 3 epochs with drop path 0.3 (0, 0.1, 0.2 by epoch) and the
/// auxiliary head, the step captured or not; the test split's metrics.
nas::Metrics train_eval_graph(const fs::path& dir, int64_t batch, bool graph, at::Device device) {
  auto ctx = context(dir / (graph ? "g" : "o"), 7, device);
  const nas::Json o = {{"epochs", 3},      {"batch_size", batch}, {"channels", 4},     {"layers", 3},
                       {"cutout", 0},      {"augment", false},    {"auxiliary", true}, {"drop_path", 0.3},
                       {"label", "graph"}, {"cuda_graph", graph}};
  nas::darts::DartsEvalTrainer t(nas::Config::validated(o, nas::darts::eval_options(), "train"), *ctx);
  return t.train(nas::named_genotype("DARTS_V2"), *tiny_data(24)).metrics;
}
}  // namespace

// cuda_graph = true: the training step as one graph-safe body (lr an input, the loss checked
// after the step), captured again whenever an epoch changes the drop-path probability (here
// every epoch: 0, then 0.1, then 0.2). Uncaptured on the CPU: the same network as the ordinary
// step, drop-path masks and the auxiliary loss included.
TEST(DartsEvalTrainer, Cuda_graph_step_trains_the_same_network) {
  const fs::path dir = fresh_dir("eval_graph");
  const auto ordinary = train_eval_graph(dir, 8, false, at::kCPU), graphed = train_eval_graph(dir, 8, true, at::kCPU);
  for (const char* key : {"test_accuracy", "test_loss"}) {
    ASSERT_TRUE(ordinary.count(key)) << key;
    EXPECT_NEAR(ordinary.at(key), graphed.at(key), 1e-5 * (1 + std::abs(ordinary.at(key)))) << key;
  }
}

// On a GPU machine: the same with the step captured and replayed (drop-path masks from the
// graph's generator state), in float64 (tools/device-check.sh runs it; here it says it skipped).
TEST(DartsEvalTrainer, Cuda_graph_replays_train_the_same_network_on_cuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: the capture runs on a GPU machine";
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());
  const fs::path dir = fresh_dir("eval_graph_cuda");
  const at::Device cuda(at::kCUDA, 0);
  // 8 steps per epoch: 3 warm-up steps, the capture, 4 replays (captured anew each epoch)
  const auto ordinary = train_eval_graph(dir, 2, false, cuda), graphed = train_eval_graph(dir, 2, true, cuda);
  for (const char* key : {"test_accuracy", "test_loss"})
    EXPECT_NEAR(ordinary.at(key), graphed.at(key), 1e-6 * (1 + std::abs(ordinary.at(key)))) << key;
}

TEST(DartsSearch, Corrupt_rng_state_in_a_checkpoint_names_the_file) {
  // The archive is intact but its RNG state is not one: Generator::set_state used to throw
  // a c10::Error whose message is a C++ stack trace.
  const auto data = tiny_data();
  const fs::path dir = fresh_dir("corrupt_rng");
  auto ctx = context(dir);
  nas::darts::DartsSearch a(tiny_options({{"epochs", 1}}), data, *ctx);
  a.save(dir / "good.ckpt");
  torch::jit::Module m = torch::jit::load((dir / "good.ckpt").string());
  m.register_buffer("rng_cpu", at::zeros({3}));  // a CPU generator state is 5056 bytes
  m.save((dir / "bad.ckpt").string());
  nas::darts::DartsSearch b(tiny_options({{"epochs", 1}}), data, *ctx);
  try {
    b.load(dir / "bad.ckpt");
    FAIL() << "expected nas::Error";
  } catch (const nas::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find((dir / "bad.ckpt").string() + "' is corrupt"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("Exception raised from"), std::string::npos) << msg;
  }
  b.load(dir / "good.ckpt");  // the intact one still loads
}

TEST(DartsSearch, Fashion_mnist_subset_validation_accuracy_rises) {
  const char* env = std::getenv("NAS_DATA_DIR");
  ASSERT_TRUE(env != nullptr && *env != '\0') << "NAS_DATA_DIR is not set: this test reads Fashion-MNIST from there "
                                                 "(tools/test.sh sets it)";
  const std::string root = env;
  const nas::Json dopts = {{"data_dir", root}, {"subset", 1600}};
  auto data =
      nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(),
                                  nas::Config::validated(dopts, nas::data::idx_dataset_options(), "data"), nullptr);
  const fs::path dir = fresh_dir("fmnist");
  auto ctx = context(dir, 2);
  nas::darts::DartsSearch s(tiny_options({{"epochs", 3},
                                          {"order", 1},
                                          {"channels", 4},
                                          {"batch_size", 32},
                                          {"augment", false},
                                          {"max_eval_batches", 8},
                                          {"max_steps_per_epoch", 25},
                                          {"alpha_lr", 3e-3}}),
                            data, *ctx);
  std::vector<double> acc;
  for (int i = 0; i < 3; ++i) acc.push_back(s.run_epoch().at("valid_accuracy"));
  EXPECT_GT(acc.back(), acc.front()) << acc[0] << " " << acc[1] << " " << acc[2];
  EXPECT_GT(acc.back(), 0.3);  // well above chance (0.1)
}

}  // namespace
