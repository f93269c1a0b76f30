// --precision (nashost/nn/precision.hpp): the names, LibTorch's TF32 switches, the autocast
// scope, and bf16 where the SDK applies it — the training loop's steps and the DARTS search
// network's forward (bfloat16 inside, float32 logits out, gradients close to float32's).
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "nashost/nn/precision.hpp"
#include "nashost/nn/training_loop.hpp"
#include "nashost/support/standalone_context.hpp"

using nas::nn::Precision;

namespace {
/// Sets a precision for one test and puts fp32 back, also when the test fails.
struct PrecisionFor {
  explicit PrecisionFor(Precision p) { nas::nn::set_precision(p); }
  ~PrecisionFor() { nas::nn::set_precision(Precision::Fp32); }
};
}  // namespace

TEST(Precision, NamesAndTheTf32Switches) {
  for (const char* n : {"fp32", "tf32", "bf16"}) EXPECT_STREQ(nas::nn::precision_name(nas::nn::parse_precision(n)), n);
  EXPECT_THROW(nas::nn::parse_precision("fp16"), nas::ConfigError);
  auto& ctx = at::globalContext();
  {
    PrecisionFor tf32(Precision::Tf32);
    EXPECT_EQ(ctx.float32Precision(at::Float32Backend::CUDA, at::Float32Op::MATMUL), at::Float32Precision::TF32);
    EXPECT_EQ(ctx.float32Precision(at::Float32Backend::CUDA, at::Float32Op::CONV), at::Float32Precision::TF32);
  }
  EXPECT_EQ(nas::nn::precision(), Precision::Fp32);
  EXPECT_EQ(ctx.float32Precision(at::Float32Backend::CUDA, at::Float32Op::MATMUL), at::Float32Precision::IEEE);
  EXPECT_EQ(ctx.float32Precision(at::Float32Backend::CUDA, at::Float32Op::CONV), at::Float32Precision::IEEE);
}

TEST(Precision, AutocastScopeOnlyUnderBf16AndItNests) {
  const at::Tensor x = at::randn({2, 3}), w = at::randn({4, 3});
  {
    const nas::nn::AutocastScope off(c10::DeviceType::CPU);
    EXPECT_FALSE(off.active());
    EXPECT_EQ(at::linear(x, w).scalar_type(), at::kFloat);
  }
  PrecisionFor bf16(Precision::Bf16);
  {
    const nas::nn::AutocastScope outer(c10::DeviceType::CPU);
    EXPECT_TRUE(outer.active());
    {
      const nas::nn::AutocastScope inner(c10::DeviceType::CPU);
      EXPECT_EQ(at::linear(x, w).scalar_type(), at::kBFloat16);
    }
    EXPECT_TRUE(at::autocast::is_autocast_enabled(at::kCPU));  // the inner scope left the outer one on
    const at::Tensor y = at::linear(x, w);
    EXPECT_EQ(y.scalar_type(), at::kBFloat16);
    EXPECT_EQ(nas::nn::float_logits(y, outer).scalar_type(), at::kFloat);
    EXPECT_EQ(at::linear(x.to(at::kDouble), w.to(at::kDouble)).scalar_type(), at::kDouble);  // float64 untouched
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU));
  EXPECT_EQ(at::linear(x, w).scalar_type(), at::kFloat);
}

TEST(Precision, TrainingLoopStepsRunUnderAutocastWithBf16) {
  nas::StandaloneContext ctx("/tmp");
  std::vector<bool> seen;
  nas::nn::TrainingLoop loop;
  loop.label = "p";
  loop.begin_epoch = [](int64_t) { return int64_t{1}; };
  loop.step = [&](int64_t, int64_t, int64_t) -> std::optional<double> {
    seen.push_back(at::autocast::is_autocast_enabled(at::kCPU));
    return 1.0;
  };
  loop.end_epoch = [&](int64_t, int64_t, double) { seen.push_back(at::autocast::is_autocast_enabled(at::kCPU)); };
  nas::nn::run_training_loop(ctx, loop);
  {
    PrecisionFor bf16(Precision::Bf16);
    nas::nn::run_training_loop(ctx, loop);
  }
  // fp32: no autocast; bf16: the step under autocast, the end of the epoch (evaluation) not
  EXPECT_EQ(seen, (std::vector<bool>{false, false, true, false}));
}

TEST(Precision, Bf16SearchNetworkGivesFloatLogitsAndCloseGradients) {
  torch::manual_seed(0);
  nas::nn::SearchNetworkOptions o;
  o.in_channels = 1;
  o.num_outputs = 3;
  o.channels = 4;
  o.layers = 3;
  o.nodes = 2;
  nas::nn::DartsSearchNetwork net(o, std::make_shared<nas::nn::DartsOperationSet>());
  const at::Tensor x = at::randn({8, 1, 8, 8});
  const at::Tensor target = at::randint(3, {8}, at::TensorOptions().dtype(at::kLong));
  const at::Tensor alpha = (at::randn({net->num_edges(), net->num_ops()}) * 1e-3).requires_grad_();
  auto run = [&] {
    net->zero_grad();
    alpha.mutable_grad().reset();
    const at::Tensor w = at::softmax(alpha, -1);
    const at::Tensor logits = net->forward(x, w, w);
    at::cross_entropy_loss(logits, target).backward();
    return std::make_pair(logits.detach(), alpha.grad().clone());
  };
  const auto [l32, g32] = run();
  PrecisionFor bf16(Precision::Bf16);
  const auto [l16, g16] = run();
  EXPECT_EQ(l16.scalar_type(), at::kFloat);
  EXPECT_FALSE(at::equal(l16, l32));  // bfloat16 did run
  EXPECT_LT((l16 - l32).abs().max().item<double>(), 0.05 * (1 + l32.abs().max().item<double>()));
  const double cosine = (g16 * g32).sum().item<double>() / (g16.norm() * g32.norm()).item<double>();
  EXPECT_GT(cosine, 0.95) << "architecture gradients in bf16 point elsewhere";
}
