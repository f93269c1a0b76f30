// The enas strategy on a tiny in-memory corpus: epochs, derive, exact resume, outputs,
// and the trainers (scratch, eval of an edited DAG against the saved shared model).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include "rnn/rnn_search.hpp"
#include "enas_test_util.hpp"
#include "rnn/lm_data.hpp"
#include "rnn/rnn_model_file.hpp"
#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/support/default_dtype.hpp"
#include "nashost/support/op_stream.hpp"
#include "common/search_options.hpp"
#include "rnn/rnn_options.hpp"
#include "rnn/rnn_shared_training.hpp"
#include "rnn/rnn_trainers.hpp"
#include "rnn/token_dataset.hpp"

using namespace nas::enas;

namespace {
// A learnable toy corpus: token t+1 = (t * 7 + 3) mod vocab with occasional noise.
std::shared_ptr<TokenDataset> toy_corpus(int64_t vocab = 30) {
  auto make = [&](int64_t n, uint64_t seed) {
    at::Generator g = at::detail::createCPUGenerator(seed);
    at::Tensor noise = at::rand({n}, g);
    std::vector<int64_t> v(n);
    int64_t t = 0;
    for (int64_t i = 0; i < n; ++i) {
      t = noise[i].item<float>() < 0.1 ? (t * 13 + 5) % vocab : (t * 7 + 3) % vocab;
      v[i] = t;
    }
    return at::tensor(v, at::TensorOptions().dtype(at::kLong));
  };
  return std::make_shared<TokenDataset>(
      "toy", vocab,
      std::map<nas::Split, at::Tensor>{
          {nas::Split::Train, make(3000, 1)}, {nas::Split::Valid, make(800, 2)}, {nas::Split::Test, make(800, 3)}},
      true, "synthetic");
}

nas::Json tiny(const std::string& train_type) {
  return {{"train_type", train_type}, {"num_blocks", 5},         {"embed", 12},         {"hidden", 12},
          {"batch_size", 8},          {"eval_batch_size", 8},    {"bptt", 6},           {"epochs", 3},
          {"shared_steps", 12},       {"controller_steps", 6},   {"derive_samples", 4}, {"controller_hid", 16},
          {"shared_lr", 5.0},         {"shared_decay_after", 1}, {"log_step", 1}};
}

nas::Config cfg(const nas::Json& j) { return nas::Config::validated(j, search_options(), "search"); }

std::vector<at::Tensor> params(EnasRnnSearch& s) {
  std::vector<at::Tensor> out;
  for (auto& p : s.shared().parameters()) out.push_back(p.detach().clone());
  for (auto& p : s.controller().parameters()) out.push_back(p.detach().clone());
  return out;
}
}  // namespace

TEST(EnasSearch, EveryTrainTypeRunsAndDerives) {
  for (const char* type : {"orig", "flexible", "hardcoded", "random"}) {
    auto ctx = enas_test::context(std::string("types-") + type);
    nas::Json o = tiny(type);
    o["epochs"] = 1;
    EnasRnnSearch s(cfg(o), toy_corpus(), *ctx);
    auto m = s.run_epoch();
    EXPECT_TRUE(std::isfinite(m["train_ppl"])) << type;
    EXPECT_TRUE(std::isfinite(m["valid_ppl"])) << type;
    EXPECT_EQ(m.count("controller_reward"), std::string(type) == "random" ? 0u : 1u) << type;
    auto gs = s.derive(nas::Config(nas::Json{{"samples", 5}}));
    ASSERT_EQ(gs.size(), 1u);
    EXPECT_EQ(gs[0].space, "enas-rnn");
    // relative to the run directory: a run folder can be moved
    EXPECT_EQ(gs[0].meta.value("shared_model_file", std::string()), "search/shared_model.pt");
    EXPECT_NO_THROW(validate_dag(gs[0].dag, {"tanh", "ReLU", "identity", "sigmoid"}, type));
    if (std::string(type) == "hardcoded")
      for (size_t k = 1; k < gs[0].dag.size(); ++k) EXPECT_EQ(gs[0].dag[k].parent, static_cast<int>(k - 1) / 2);
    EXPECT_TRUE(std::filesystem::exists(ctx->run_dir() / "search" / "derived_architecture.json"));
    EXPECT_TRUE(std::filesystem::exists(ctx->run_dir() / "search" / "networks" / "index.html"));
    EXPECT_TRUE(std::filesystem::exists(s.shared_model_file()));
  }
}

TEST(EnasSearch, LrScheduleAndBadOptions) {
  SharedTrainOptions o;
  o.lr = 20;
  o.decay = 0.96;
  o.decay_after = 15;
  EXPECT_DOUBLE_EQ(lr_for_epoch(o, 15), 20.0);
  EXPECT_DOUBLE_EQ(lr_for_epoch(o, 16), 20.0 * 0.96);
  auto ctx = enas_test::context("bad");
  nas::Json o2 = tiny("orig");
  o2["network"] = "cnn";
  EXPECT_THROW(EnasRnnSearch(cfg(o2), toy_corpus(), *ctx), nas::ConfigError);
  o2 = tiny("sideways");
  EXPECT_THROW(EnasRnnSearch(cfg(o2), toy_corpus(), *ctx), nas::ConfigError);
  o2 = tiny("orig");
  o2["embed"] = 10;  // tied weights need embed == hidden
  EXPECT_THROW(EnasRnnSearch(cfg(o2), toy_corpus(), *ctx), nas::ConfigError);
}

TEST(EnasSearch, ResumeIsExactOnCpu) {
  auto data = toy_corpus();
  auto ctx_a = enas_test::context("resume-a", 9);
  EnasRnnSearch a(cfg(tiny("orig")), data, *ctx_a);
  a.run_epoch();
  const auto ckpt = ctx_a->run_dir() / "ckpt.pt";
  a.save(ckpt);
  auto ma = a.run_epoch();
  auto mb_first = a.run_epoch();

  auto ctx_b = enas_test::context("resume-b", 9);
  EnasRnnSearch b(cfg(tiny("orig")), data, *ctx_b);
  at::manual_seed(12345);  // whatever the RNG did since, load() must restore it
  b.load(ckpt);
  EXPECT_EQ(b.completed_epochs(), 1);
  auto mb = b.run_epoch();
  auto mb2 = b.run_epoch();
  for (const auto& [k, v] : ma) EXPECT_DOUBLE_EQ(v, mb[k]) << k;
  for (const auto& [k, v] : mb_first) EXPECT_DOUBLE_EQ(v, mb2[k]) << k;
  auto pa = params(a), pb = params(b);
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(at::equal(pa[i], pb[i])) << i;
  EXPECT_THROW(b.run_epoch(), nas::Error);  // all 3 epochs done

  nas::Json other = tiny("orig");
  other["hidden"] = other["embed"] = 14;
  auto ctx_c = enas_test::context("resume-c", 9);
  EnasRnnSearch c(cfg(other), data, *ctx_c);
  EXPECT_THROW(c.load(ckpt), nas::Error);
}

TEST(EnasSearch, SharedTrainingLearnsTheToyCorpus) {
  auto ctx = enas_test::context("learn");
  nas::Json o = tiny("orig");
  o["shared_steps"] = 60;
  o["controller_steps"] = 0;
  o["dropoute"] = o["dropouti"] = o["dropout"] = o["wdrop"] = 0.0;
  EnasRnnSearch s(cfg(o), toy_corpus(), *ctx);
  auto m = s.run_epoch();
  EXPECT_LT(m["valid_ppl"], 10.0) << "uniform would be 30";
}

TEST(EnasTrainers, EvalOfSavedModelMatchesAndEditedDagsWork) {
  auto data = toy_corpus();
  auto ctx = enas_test::context("eval");
  EnasRnnSearch s(cfg(tiny("orig")), data, *ctx);
  auto m = s.run_epoch();
  nas::Genotype g = s.derive(nas::Config(nas::Json{{"samples", 3}}))[0];
  EnasRnnEvalTrainer eval(
      nas::Config::validated({{"model_file", s.shared_model_file().string()}}, rnn_eval_options(), "t"), *ctx);
  auto r = eval.train(g, *data);
  const at::Tensor valid = batchify(data->tokens(nas::Split::Valid), 64, c10::Device(c10::kCPU));
  EXPECT_NEAR(r.metrics["valid_ppl"], evaluate_ppl(s.shared(), valid, g.dag, 35), 1e-6);
  EXPECT_TRUE(std::isfinite(r.metrics["test_ppl"]));
  EXPECT_EQ(r.params, s.shared().dag_param_count(g.dag));
  // Node removal and activation replacement evaluate without training.
  nas::Genotype edited = dag_genotype(remove_node(replace_activations(g.dag, "identity"), 2));
  auto r2 = eval.train(edited, *data);
  EXPECT_TRUE(std::isfinite(r2.metrics["valid_ppl"]));
  EXPECT_NE(r2.metrics["valid_ppl"], r.metrics["valid_ppl"]);
  // Missing / wrong model files are user errors.
  EnasRnnEvalTrainer missing(nas::Config::validated({{"model_file", "/nonexistent/x.pt"}}, rnn_eval_options(), "t"),
                             *ctx);
  EXPECT_THROW(missing.train(g, *data), nas::Error);
  nas::atomic_write_text(ctx->run_dir() / "junk.pt", "not a model");
  EnasRnnEvalTrainer junk(
      nas::Config::validated({{"model_file", (ctx->run_dir() / "junk.pt").string()}}, rnn_eval_options(), "t"), *ctx);
  EXPECT_THROW(junk.train(g, *data), nas::Error);
}

namespace {
/// A small scratch training with every dropout on and the rate halved after the first epoch.
nas::Json small_scratch(bool cuda_graph) {
  return {{"epochs", 2},
          {"max_steps_per_epoch", 12},
          {"embed", 12},
          {"hidden", 12},
          {"batch_size", 8},
          {"eval_batch_size", 8},
          {"bptt", 6},
          {"shared_lr", 5.0},
          {"dropoute", 0.1},
          {"dropouti", 0.2},
          {"dropout", 0.3},
          {"wdrop", 0.2},
          {"shared_decay_after", 1},
          {"shared_decay", 0.5},
          {"cuda_graph", cuda_graph}};
}
}  // namespace

// cuda_graph = true: the scratch trainer's step as one graph-safe body (chunk, carried hidden
// state and learning rate as inputs; the loss checked after the step). On the CPU it runs
// uncaptured and trains the same model (dropouts on, so their masks are compared too), and two
// steps with other chunks, hidden states and rates dispatch the same ops with the same
// non-tensor arguments, so one capture serves every full-length chunk.
TEST(EnasTrainers, ScratchCudaGraphStepTrainsTheSameModel) {
  auto data = toy_corpus();
  nas::Genotype g = dag_genotype({{"tanh", -1}, {"ReLU", 0}, {"identity", 0}, {"tanh", 1}});
  const nas::Json o = small_scratch(false);
  auto train = [&](bool graph) {
    auto ctx = enas_test::context(graph ? "scratch_graph" : "scratch_plain");
    EnasRnnScratchTrainer t(nas::Config::validated(small_scratch(graph), rnn_scratch_options(), "train"), *ctx);
    return t.train(g, *data).metrics;
  };
  const auto plain = train(false), graphed = train(true);
  for (const char* key : {"valid_ppl", "test_ppl"})
    EXPECT_NEAR(plain.at(key), graphed.at(key), 1e-5 * plain.at(key)) << key;

  // The op stream of two steps.
  const nas::Config cfg = nas::Config::validated(o, rnn_scratch_options(), "train");
  auto ops = std::make_shared<EnasRnnOperationSet>();
  const Dag& dag = genotype_dag(g, "test");
  SharedRnn model(shared_config_from(cfg, data->info().num_outputs, static_cast<int>(dag.size())), *ops,
                  dag_edges(dag));
  const auto topts = SharedTrainOptions::from(cfg);
  auto optimizer = make_shared_optimizer(*model, topts);
  TokenStream stream;
  stream.rows = batchify(lm_tokens(*data, nas::Split::Train, 16), 8, at::kCPU);
  nas::nn::StepGraph graph("test step");
  shared_step_graphed(graph, *model, *optimizer, stream, dag, topts, 5.0);  // the first step makes SGD's state
  const auto a =
      nas::graph_safe_op_stream([&] { shared_step_graphed(graph, *model, *optimizer, stream, dag, topts, 5.0); });
  const auto b =
      nas::graph_safe_op_stream([&] { shared_step_graphed(graph, *model, *optimizer, stream, dag, topts, 2.5); });
  EXPECT_GT(a.size(), 100u);
  EXPECT_EQ(nas::first_difference(a, b), "");
  // Adam's rate is a number inside the step: refused with the option named.
  auto ctx = enas_test::context("scratch_graph_adam");
  nas::Json adam = small_scratch(true);
  adam["shared_optim"] = "adam";
  EnasRnnScratchTrainer t(nas::Config::validated(adam, rnn_scratch_options(), "train"), *ctx);
  EXPECT_THROW(t.train(g, *data), nas::ConfigError);
}

// On a GPU machine: the same training with the step captured and replayed (dropout masks from
// the graph's generator state), in float64 (tools/device-check.sh runs it; here it skips).
TEST(EnasTrainers, ScratchCudaGraphReplaysTrainTheSameModelOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: the capture runs on a GPU machine";
  const nas::DefaultDtype float64(caffe2::TypeMeta::Make<double>());
  auto data = toy_corpus();
  nas::Genotype g = dag_genotype({{"tanh", -1}, {"ReLU", 0}, {"identity", 0}, {"tanh", 1}});
  auto train = [&](bool graph) {
    auto ctx = enas_test::context(graph ? "scratch_cuda_graph" : "scratch_cuda", 1, c10::Device(c10::kCUDA, 0));
    EnasRnnScratchTrainer t(nas::Config::validated(small_scratch(graph), rnn_scratch_options(), "train"), *ctx);
    return t.train(g, *data).metrics;
  };
  const auto plain = train(false), graphed = train(true);
  for (const char* key : {"valid_ppl", "test_ppl"})
    EXPECT_NEAR(plain.at(key), graphed.at(key), 1e-6 * plain.at(key)) << key;
}

TEST(EnasTrainers, ScratchTrainsTheDagAlone) {
  auto data = toy_corpus();
  auto ctx = enas_test::context("scratch");
  nas::Genotype g = dag_genotype({{"tanh", -1}, {"ReLU", 0}, {"identity", 0}, {"tanh", 1}});
  nas::Json o = {{"epochs", 2},     {"max_steps_per_epoch", 40}, {"embed", 12},    {"hidden", 12},
                 {"batch_size", 8}, {"eval_batch_size", 8},      {"bptt", 6},      {"shared_lr", 5.0},
                 {"dropoute", 0.0}, {"dropouti", 0.0},           {"dropout", 0.0}, {"wdrop", 0.0}};
  EnasRnnScratchTrainer t(nas::Config::validated(o, rnn_scratch_options(), "train"), *ctx);
  const int64_t params = t.count_params(g, *data);
  auto r = t.train(g, *data);
  EXPECT_EQ(r.params, params);
  EXPECT_LT(r.metrics["valid_ppl"], 10.0);
  EXPECT_LT(r.metrics["test_ppl"], 10.0);
  EXPECT_TRUE(std::filesystem::exists(r.model_file));
  nas::Genotype cell;  // a DARTS genotype is rejected with a message
  EXPECT_THROW(t.train(cell, *data), nas::Error);
}
