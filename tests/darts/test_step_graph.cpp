// nn::StepGraph (nashost/nn/step_graph.hpp): on the CPU the body runs eagerly and graph-safe;
// on CUDA it is captured once and replayed, with the inputs (batch, learning rate) of each
// step and the results of running it uncaptured. The capture tests need a GPU and say so
// when skipped (tools/device-check.sh runs them on a GPU machine).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/optim/sgd.h>

#include "nashost/error.hpp"
#include "nashost/nn/foreach_ops.hpp"
#include "nashost/nn/step_graph.hpp"

namespace {

/// A small regression step: forward, backward, clipping, SGD with the rate from the inputs.
struct ToyStep {
  std::vector<at::Tensor> params;
  std::unique_ptr<torch::optim::SGD> opt;

  explicit ToyStep(at::Device device) {
    torch::manual_seed(5);
    params = {at::randn({8, 4}).to(device).requires_grad_(true), at::randn({8}).to(device).requires_grad_(true),
              at::randn({1, 8}).to(device).requires_grad_(true)};
    opt = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(0.1).momentum(0.9));
  }
  /// inputs: x [N,4], y [N,1], lr (0-dim); outputs: loss, prediction.
  std::vector<at::Tensor> operator()(const std::vector<at::Tensor>& in) {
    nas::nn::zero_flat_grads(params);
    const at::Tensor h = at::relu(at::linear(in[0], params[0], params[1]));
    const at::Tensor pred = at::linear(h, params[2]);
    const at::Tensor loss = at::mse_loss(pred, in[1]);
    loss.backward();
    nas::nn::clip_grad_norm(params, 1.0);
    nas::nn::sgd_step(*opt, in[2]);
    return {loss.detach(), pred.detach()};
  }
};

std::vector<at::Tensor> batch(int step, at::Device device, int64_t n = 16) {
  at::manual_seed(100 + step);
  const at::Tensor x = at::randn({n, 4});
  return {x.to(device), x.sum(1, true).sin().to(device), at::scalar_tensor(0.1 / (1 + step)).to(device)};
}

}  // namespace

TEST(StepGraph, Runs_the_body_eagerly_and_graph_safe_on_the_cpu) {
  EXPECT_FALSE(nas::nn::graph_safe());
  nas::nn::StepGraph graph("toy step", 1);
  ToyStep a(at::kCPU), b(at::kCPU);
  for (int step = 0; step < 4; ++step) {
    bool safe_inside = false;
    const auto in = batch(step, at::kCPU);
    const auto out = graph.run(in, [&](const auto& inputs) {
      safe_inside = nas::nn::graph_safe();
      return a(inputs);
    });
    EXPECT_TRUE(safe_inside);
    EXPECT_FALSE(graph.replayed());
    const auto expected = b(in);
    EXPECT_TRUE(at::allclose(out[0], expected[0], 1e-6, 1e-7));
  }
  EXPECT_FALSE(graph.captured());
  EXPECT_FALSE(nas::nn::graph_safe());
}

TEST(StepGraph, Check_finite_losses_names_the_first_bad_one) {
  EXPECT_NO_THROW(nas::nn::check_finite_losses({{"a", at::scalar_tensor(1.0)}, {"b", at::scalar_tensor(2.0f)}}, ""));
  try {
    nas::nn::check_finite_losses({{"the weight step", at::scalar_tensor(1.0)},
                                  {"the architecture step: validation loss", at::scalar_tensor(INFINITY)},
                                  {"later", at::scalar_tensor(NAN)}},
                                 "epoch 2/5, step 7/10");
    FAIL() << "no error";
  } catch (const nas::NumericError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the architecture step: validation loss (epoch 2/5, step 7/10)"), std::string::npos) << m;
    EXPECT_NE(m.find("inf"), std::string::npos) << m;
  }
}

TEST(StepGraph, Captures_once_and_replays_with_each_steps_inputs_on_cuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: capture runs on a GPU machine";
  const at::Device cuda(at::kCUDA, 0);
  nas::nn::StepGraph graph("toy step", 2);
  ToyStep captured(cuda), eager(cuda);
  for (int step = 0; step < 8; ++step) {
    const auto in = batch(step, cuda);
    const auto out = graph.run(in, [&](const auto& inputs) { return captured(inputs); });
    EXPECT_EQ(graph.replayed(), step >= 3) << step;  // 2 warm-up steps, the capture, replays
    const auto expected = eager(in);
    EXPECT_TRUE(at::allclose(out[0], expected[0], 1e-4, 1e-6)) << step;
    EXPECT_TRUE(at::allclose(out[1], expected[1], 1e-4, 1e-6)) << step;
    for (size_t i = 0; i < captured.params.size(); ++i)
      EXPECT_TRUE(at::allclose(captured.params[i], eager.params[i], 1e-4, 1e-6)) << step << " " << i;
  }
  EXPECT_TRUE(graph.captured());
  EXPECT_EQ(graph.replays(), 6);
  // Another batch size runs eagerly and leaves the graph as it was.
  const auto odd = batch(9, cuda, 5);
  const auto out = graph.run(odd, [&](const auto& inputs) { return captured(inputs); });
  EXPECT_FALSE(graph.replayed());
  EXPECT_TRUE(at::allclose(out[0], eager(odd)[0], 1e-4, 1e-6));
  const auto again = batch(10, cuda);
  graph.run(again, [&](const auto& inputs) { return captured(inputs); });
  EXPECT_TRUE(graph.replayed());
  eager(again);
  for (size_t i = 0; i < captured.params.size(); ++i)
    EXPECT_TRUE(at::allclose(captured.params[i], eager.params[i], 1e-4, 1e-6)) << i;
  // reset(): warm up and capture anew.
  graph.reset();
  EXPECT_FALSE(graph.captured());
  graph.run(batch(11, cuda), [&](const auto& inputs) { return captured(inputs); });
  EXPECT_FALSE(graph.replayed());
}
