// gdas: one op runs per edge, the straight-through weights carry the Gumbel-softmax gradient
// (float64, against the closed form), draws follow softmax(α), the temperature anneals, and a
// tiny search runs, resumes exactly and derives a darts genotype.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>

#include <unistd.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>

#include <nashost/error.hpp>
#include <nashost/nn/darts_ops.hpp>
#include <nashost/support/remove_tree.hpp>
#include <nashost/support/standalone_context.hpp>
#include <nashost/support/tensor_dataset.hpp>

#include "gdas_search.hpp"

namespace {

std::atomic<int> g_calls{0};

// x ↦ factor · x, subsampled by the stride: linear, and it counts its calls.
class CountingOp final : public nas::Op {
 public:
  CountingOp(double factor, int64_t stride) : factor_(factor), stride_(stride) {}
  at::Tensor forward(const at::Tensor& x) override {
    ++g_calls;
    const at::Tensor y = stride_ > 1 ? x.slice(2, 0, x.size(2), stride_).slice(3, 0, x.size(3), stride_) : x;
    return factor_ * y;
  }

 private:
  double factor_;
  int64_t stride_;
};

class CountingOps final : public nas::OperationSet {
 public:
  const std::vector<std::string>& ops() const override { return names_; }
  std::shared_ptr<nas::Op> make(const std::string& op, const nas::OpArgs& a) const override {
    if (op == "none") return std::make_shared<nas::nn::ZeroOp>(a.stride);
    return std::make_shared<CountingOp>(op == "double" ? 2.0 : -1.0, a.stride);
  }

 private:
  std::vector<std::string> names_{"none", "double", "negate"};
};

std::unique_ptr<nas::StandaloneContext> context(const std::string& name, uint64_t seed = 3) {
  const auto dir = std::filesystem::temp_directory_path() / ("gdas-test-" + name + "-" + std::to_string(::getpid()));
  nas::remove_tree(dir);
  std::filesystem::create_directories(dir);
  auto ctx = std::make_unique<nas::StandaloneContext>(dir, seed);
  ctx->add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  ctx->add_operation_set("count", std::make_shared<CountingOps>());
  return ctx;
}

nas::Config tiny_options(nas::Json extra = nas::Json::object()) {
  nas::Json j = {{"layers", 3},          {"channels", 4},    {"epochs", 3},
                 {"batch_size", 8},      {"augment", false}, {"max_steps_per_epoch", 3},
                 {"max_eval_batches", 2}};
  for (const auto& [k, v] : extra.items()) j[k] = v;
  return nas::Config::validated(j, gdas::search_options(), "search");
}

std::vector<at::Tensor> state_of(gdas::GdasSearch& s) {
  std::vector<at::Tensor> out;
  for (const auto& p : s.network().parameters()) out.push_back(p.detach().clone());
  for (const auto& b : s.network().buffers()) out.push_back(b.clone());
  out.push_back(s.alpha_normal().detach().clone());
  out.push_back(s.alpha_reduce().detach().clone());
  return out;
}

}  // namespace

TEST(Gdas, OneOpRunsPerEdgeAndTheWeightsAreOneInValue) {
  const CountingOps ops;
  nas::nn::MixedOp edge(ops, 4, 1);
  const at::Tensor x = at::randn({2, 4, 6, 6}, at::kDouble);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const at::Tensor alpha = at::zeros({1, 3}, at::kDouble);
  for (int draw = 0; draw < 20; ++draw) {
    const gdas::HardSample s = gdas::sample_hard(alpha, 1.0, gen);
    ASSERT_TRUE(at::allclose(s.weights.sum(-1), at::ones({1}, at::kDouble)));
    EXPECT_DOUBLE_EQ(s.weights[0][s.index[0]].item<double>(), 1.0);
    g_calls = 0;
    const at::Tensor out = gdas::gdas_edge(*edge, x, s.weights[0], s.index[0]);
    EXPECT_LE(g_calls.load(), 1) << "at most the drawn op runs (none runs nothing)";
    const double factor = s.index[0] == 0 ? 0.0 : s.index[0] == 1 ? 2.0 : -1.0;
    EXPECT_TRUE(at::allclose(out, factor * x, 1e-12, 1e-12)) << "the drawn op's output, times one";
  }
  // The whole network: one op per edge of every cell.
  auto ctx = context("count");
  auto data = nas::TensorDataset::random(16, 1, 8, 4, 0);
  gdas::GdasSearch search(tiny_options({{"operation_set", "count"}}), data, *ctx);
  const int64_t edges = search.network().num_edges(), cells = 3;
  // α that never draws none: every edge runs exactly one counting op
  const at::Tensor no_none = at::tensor({-1e9, 0.0, 0.0}).repeat({edges, 1});
  const gdas::HardSample n = gdas::sample_hard(no_none, 1.0, gen), r = gdas::sample_hard(no_none, 1.0, gen);
  g_calls = 0;
  search.forward(at::randn({2, 1, 8, 8}), n, r);
  EXPECT_EQ(g_calls.load(), cells * edges);
}

TEST(Gdas, StraightThroughGradientIsTheGumbelSoftmaxGradient) {
  // One edge of three linear ops in float64; L = <c, out>. GDAS's edge: out = w_k v_k +
  // Σ_{o≠k} w_o (only op k runs), so ∂L/∂w_k = <c, v_k>, ∂L/∂w_o = Σ c for o ≠ k, and the
  // straight-through weights pass these back as the Gumbel-softmax sample s does:
  // ∇_α L = J_sᵀ ∂L/∂w, with s = softmax((log_softmax(α) + g)/τ) and
  // J_s = (1/τ)(diag(s) − s sᵀ)(I − 1 pᵀ), p = softmax(α).
  const CountingOps ops;
  nas::nn::MixedOp edge(ops, 2, 1);
  const at::Tensor x = at::randn({1, 2, 3, 3}, at::kDouble), c = at::randn({1, 2, 3, 3}, at::kDouble);
  const std::vector<at::Tensor> outputs = {at::zeros_like(x), 2.0 * x, -1.0 * x};
  for (double tau : {0.5, 1.0, 10.0}) {
    at::Tensor alpha = at::tensor({0.3, -0.2, 0.5}, at::kDouble).unsqueeze(0).requires_grad_(true);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(42), replay = gen.clone();
    const gdas::HardSample s = gdas::sample_hard(alpha, tau, gen);
    const at::Tensor loss = (c * gdas::gdas_edge(*edge, x, s.weights[0], s.index[0])).sum();
    const at::Tensor grad = torch::autograd::grad({loss}, {alpha})[0][0];

    // the closed form, with the same Gumbel noise
    at::Tensor e = at::empty({1, 3}, at::kDouble);
    e.exponential_(1.0, replay);
    const at::Tensor g = -e.log()[0];
    const at::Tensor a = alpha.detach()[0], p = at::softmax(a, 0);
    const at::Tensor soft = at::softmax((at::log_softmax(a, 0) + g) / tau, 0);
    const at::Tensor eye = at::eye(3, at::kDouble);
    const at::Tensor jac =
        (at::diag(soft) - at::outer(soft, soft)).mm(eye - at::outer(at::ones({3}, at::kDouble), p)) / tau;
    const int64_t k = soft.argmax().item<int64_t>();
    ASSERT_EQ(k, s.index[0]);
    at::Tensor dl_dw = at::full({3}, c.sum().item<double>(), at::kDouble);
    dl_dw[k] = (c * outputs[static_cast<size_t>(k)]).sum();
    const at::Tensor expected = jac.t().mv(dl_dw);
    EXPECT_TRUE(at::allclose(grad, expected, 1e-10, 1e-12)) << "tau " << tau << ": " << grad << " vs " << expected;
  }
}

TEST(Gdas, StraightThroughMatchesTheRelaxedSampleOnTheFullMixtureInExpectation) {
  // With every op computed (out = Σ_o w_o v_o), the straight-through gradient equals the
  // gradient of the relaxed mixture Σ_o s_o v_o draw by draw, so their means over many draws
  // agree (float64); this is the estimator GDAS's one-op edge approximates.
  const at::Tensor v = at::tensor({0.0, 1.5, -0.7}, at::kDouble);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(9), replay = gen.clone();
  at::Tensor st_mean = at::zeros({3}, at::kDouble), soft_mean = at::zeros({3}, at::kDouble);
  const int draws = 2000;
  for (int i = 0; i < draws; ++i) {
    at::Tensor alpha = at::tensor({0.1, 0.4, -0.3}, at::kDouble).unsqueeze(0).requires_grad_(true);
    const gdas::HardSample s = gdas::sample_hard(alpha, 2.0, gen);
    st_mean += torch::autograd::grad({(s.weights[0] * v).sum()}, {alpha})[0][0];
    at::Tensor alpha2 = alpha.detach().clone().requires_grad_(true);
    at::Tensor e = at::empty({1, 3}, at::kDouble);
    e.exponential_(1.0, replay);
    const at::Tensor soft = at::softmax((at::log_softmax(alpha2, -1) - e.log()) / 2.0, -1);
    soft_mean += torch::autograd::grad({(soft[0] * v).sum()}, {alpha2})[0][0];
  }
  EXPECT_TRUE(at::allclose(st_mean / draws, soft_mean / draws, 1e-12, 1e-14));
}

TEST(Gdas, DrawsFollowSoftmaxAlphaAndTheTemperatureAnneals) {
  // Gumbel-max: the drawn op is distributed as softmax(α), whatever τ (χ², 2 dof, 0.1 %: 13.82).
  const at::Tensor alpha = at::tensor({0.5, -0.5, 1.0}).unsqueeze(0);
  const at::Tensor p = at::softmax(alpha[0], 0);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(5);
  std::vector<double> counts(3, 0);
  const int draws = 6000;
  for (int i = 0; i < draws; ++i) ++counts[static_cast<size_t>(gdas::sample_hard(alpha, 3.0, gen).index[0])];
  double chi2 = 0;
  for (int o = 0; o < 3; ++o) {
    const double expected = draws * p[o].item<double>();
    chi2 += (counts[static_cast<size_t>(o)] - expected) * (counts[static_cast<size_t>(o)] - expected) / expected;
  }
  EXPECT_LT(chi2, 13.82);
  EXPECT_DOUBLE_EQ(gdas::tau_at(0, 240, 10.0, 0.1), 10.0);
  EXPECT_DOUBLE_EQ(gdas::tau_at(239, 240, 10.0, 0.1), 0.1);
  EXPECT_NEAR(gdas::tau_at(1, 3, 10.0, 0.1), 5.05, 1e-12);
  EXPECT_THROW(gdas::sample_hard(alpha, 0.0, gen), nas::ConfigError);
}

TEST(GdasSearch, RunsResumesExactlyAndDerivesADartsGenotype) {
  auto data = nas::TensorDataset::random(32, 1, 8, 4, 0);
  auto ctx_a = context("a");
  gdas::GdasSearch a(tiny_options(), data, *ctx_a);
  const nas::Metrics m = a.run_epoch();
  EXPECT_TRUE(std::isfinite(m.at("train_loss")));
  EXPECT_DOUBLE_EQ(m.at("tau"), 10.0);
  const auto alpha_before = a.alpha_normal().detach().clone();
  const auto ckpt = ctx_a->run_dir() / "ckpt.pt";
  a.save(ckpt);
  a.run_epoch();
  const nas::Metrics last = a.run_epoch();
  EXPECT_NEAR(last.at("tau"), 0.1, 1e-12);
  EXPECT_FALSE(at::equal(alpha_before, a.alpha_normal().detach())) << "the architecture steps move alpha";

  auto ctx_b = context("b");
  gdas::GdasSearch b(tiny_options(), data, *ctx_b);
  b.load(ckpt);
  b.run_epoch();
  b.run_epoch();
  const auto sa = state_of(a), sb = state_of(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) ASSERT_TRUE(at::equal(sa[i], sb[i])) << "tensor " << i;

  const auto g = a.derive(nas::Config(nas::Json::object()));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].space, "darts");
  for (const auto& node : g[0].normal.nodes) {
    EXPECT_EQ(node.size(), 2u);
    for (const auto& e : node) EXPECT_NE(e.op, "none");
  }
  EXPECT_EQ(g[0].meta.at("strategy"), "gdas");
}
