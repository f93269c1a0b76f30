// Step time and peak memory of PC-DARTS beside a DARTS first-order step of the same supernet
// and batch (one method per process, so that the peak resident memory is the method's own):
//   pc_darts_bench --method pc-darts|darts [--batch 64] [--size 32] [--channels 16] [--layers 8]
//                  [--k 4] [--steps 5]
// Prints one line: method, ms per step (mean after one warm-up step), peak RSS in MiB.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <ATen/ATen.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <nashost/nn/bilevel.hpp>
#include <nashost/nn/darts_ops.hpp>
#include <nashost/nn/foreach_ops.hpp>
#include <nashost/support/standalone_context.hpp>
#include <nashost/support/tensor_dataset.hpp>

#include "pc_darts_search.hpp"

namespace {

struct Args {
  std::string method = "pc-darts";
  int64_t batch = 64, size = 32, channels = 16, layers = 8, k = 4, steps = 5;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--method")
      a.method = value;
    else if (key == "--batch")
      a.batch = std::stoll(value);
    else if (key == "--size")
      a.size = std::stoll(value);
    else if (key == "--channels")
      a.channels = std::stoll(value);
    else if (key == "--layers")
      a.layers = std::stoll(value);
    else if (key == "--k")
      a.k = std::stoll(value);
    else if (key == "--steps")
      a.steps = std::stoll(value);
    else
      throw std::runtime_error("unknown argument " + key);
  }
  return a;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

template <class Step>
double time_steps(int64_t steps, const Step& step) {
  step();  // warm-up: allocations, kernel selection
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) step();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
         static_cast<double>(steps);
}

}  // namespace

int main(int argc, char** argv) try {
  const Args a = parse(argc, argv);
  const auto dir = std::filesystem::temp_directory_path() / "pc_darts_bench";
  std::filesystem::create_directories(dir);
  nas::StandaloneContext ctx(dir, 0);
  auto ops = std::make_shared<nas::nn::DartsOperationSet>();
  ctx.add_operation_set("darts", ops);
  at::manual_seed(0);
  const nas::Batch train{at::randn({a.batch, 3, a.size, a.size}), at::randint(10, {a.batch}, at::kLong)};
  const nas::Batch valid{at::randn({a.batch, 3, a.size, a.size}), at::randint(10, {a.batch}, at::kLong)};
  double ms = 0;
  if (a.method == "pc-darts") {
    auto data = nas::TensorDataset::random(a.batch, 3, a.size, 10, 0);
    const nas::Config o = nas::Config::validated({{"channels", a.channels},
                                                  {"layers", a.layers},
                                                  {"partial_channels", a.k},
                                                  {"batch_size", a.batch},
                                                  {"augment", false},
                                                  {"warmup_epochs", 0}},
                                                 pc_darts::search_options(), "search");
    pc_darts::PcDartsSearch s(o, data, ctx);
    double correct = 0;
    ms = time_steps(a.steps, [&] { s.step(train, valid, 0.1, true, correct); });
  } else if (a.method == "darts") {
    // DARTS, first order: the architecture gradient of the validation loss, then the weight step.
    nas::nn::SearchNetworkOptions so;
    so.in_channels = 3;
    so.num_outputs = 10;
    so.channels = a.channels;
    so.layers = a.layers;
    nas::nn::DartsSearchNetwork net(so, ops);
    const int64_t e = net->num_edges(), n = net->num_ops();
    at::Tensor an = (1e-3 * at::randn({e, n})).requires_grad_(true),
               ar = (1e-3 * at::randn({e, n})).requires_grad_(true);
    std::vector<at::Tensor> weights = net->parameters();
    torch::optim::SGD w_opt(weights, torch::optim::SGDOptions(0.025).momentum(0.9).weight_decay(3e-4));
    torch::optim::Adam a_opt(std::vector<at::Tensor>{an, ar}, torch::optim::AdamOptions(3e-4));
    auto loss_on = [&](const nas::Batch& b, bool detach) {
      const at::Tensor wn = at::softmax(detach ? an.detach() : an, -1), wr = at::softmax(detach ? ar.detach() : ar, -1);
      return at::cross_entropy_loss(net->forward(b.input, wn, wr), b.target);
    };
    ms = time_steps(a.steps, [&] {
      nas::nn::BilevelProblem p;
      p.weights = weights;
      p.arch = {an, ar};
      p.valid_loss = [&] { return loss_on(valid, false); };
      p.train_loss = [&] { return loss_on(train, false); };
      p.buffers = net->buffers();
      nas::nn::BilevelOptions bo;
      bo.second_order = false;
      const auto r = nas::nn::architecture_gradient(p, bo);
      a_opt.zero_grad();
      an.mutable_grad() = r.arch_grad[0];
      ar.mutable_grad() = r.arch_grad[1];
      a_opt.step();
      w_opt.zero_grad();
      loss_on(train, true).backward();
      nas::nn::clip_grad_norm(weights, 5.0);
      nas::nn::sgd_step(w_opt);
    });
  } else {
    throw std::runtime_error("--method must be pc-darts or darts");
  }
  std::printf("%s batch %lld, %lldx%lld, C=%lld, %lld cells: %.1f ms/step, peak RSS %.0f MiB\n", a.method.c_str(),
              static_cast<long long>(a.batch), static_cast<long long>(a.size), static_cast<long long>(a.size),
              static_cast<long long>(a.channels), static_cast<long long>(a.layers), ms, peak_rss_mib());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "pc_darts_bench: %s\n", e.what());
  return 1;
}
