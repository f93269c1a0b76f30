// nashost-bench-enas: median time and peak memory of the ENAS RNN step kinds.
//   nashost-bench-enas [--device cpu|cuda] [--hidden 1000] [--num-blocks 12] [--vocab 10000]
//                      [--batch 64] [--bptt 35] [--steps 10]
// One line per step kind: shared-RNN training step, controller step (REINFORCE on one
// validation minibatch). Data are random tokens (timing only). Paper sizes by default.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/DeviceAccelerator.h>

#include "rnn/rnn_search.hpp"
#include "enas_rnn_ops.hpp"
#include "nashost/support/aten_op_count.hpp"
#include "nashost/error.hpp"
#include "nashost/support/host_allocator.hpp"
#include "nashost/support/standalone_context.hpp"
#include "common/search_options.hpp"
#include "rnn/token_dataset.hpp"

namespace {

struct Args {
  std::string device = "cpu";
  int64_t hidden = 1000, blocks = 12, vocab = 10000, batch = 64, bptt = 35, steps = 10;
  bool list_ops = false;   ///< print the most frequent ops of one step
  std::string op_callers;  ///< print where the calls of this op come from
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw nas::ConfigError("missing value after " + k);
      return argv[++i];
    };
    if (k == "--device")
      a.device = next();
    else if (k == "--hidden")
      a.hidden = std::stoll(next());
    else if (k == "--num-blocks")
      a.blocks = std::stoll(next());
    else if (k == "--vocab")
      a.vocab = std::stoll(next());
    else if (k == "--batch")
      a.batch = std::stoll(next());
    else if (k == "--bptt")
      a.bptt = std::stoll(next());
    else if (k == "--steps")
      a.steps = std::stoll(next());
    else if (k == "--list-ops")
      a.list_ops = true;
    else if (k == "--op-callers")
      a.op_callers = next();
    else if (k == "--help" || k == "-h") {
      std::printf(
          "nashost-bench-enas [--device cpu|cuda] [--hidden N] [--num-blocks N] [--vocab N] [--batch N] "
          "[--bptt N] [--steps N] [--list-ops] [--op-callers NAME]\n");
      std::exit(0);
    } else
      throw nas::ConfigError("unknown argument '" + k + "' (see --help)");
  }
  if (a.device != "cpu" && a.device != "cuda") throw nas::ConfigError("--device must be cpu or cuda");
  return a;
}

double peak_mib(const c10::Device& dev) {
  if (dev.is_cuda()) return at::accelerator::getDeviceStats(dev.index()).allocated_bytes[0].peak / 1048576.0;
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // KiB -> MiB, process high-water mark
}

void measure(const char* name, const Args& a, const c10::Device& dev, const std::function<void()>& step) {
  auto sync = [&] {
    if (dev.is_cuda()) at::accelerator::synchronizeDevice(dev.index());
  };
  step();  // warm-up
  sync();
  if (dev.is_cuda()) at::accelerator::resetPeakStats(dev.index());
  std::vector<double> ms;
  for (int64_t i = 0; i < a.steps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    step();
    sync();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const double peak = peak_mib(dev);
  const nas::AtenOpCount ops = nas::count_aten_ops(
      [&] {
        step();
        sync();
      },
      a.list_ops);
  if (a.list_ops) ops.print_top(25);
  if (!a.op_callers.empty()) nas::print_op_callers(nas::aten_op_callers(step, a.op_callers), 40);
  std::printf(
      "enas-rnn %-16s device=%s hidden=%lld blocks=%lld batch=%lld bptt=%lld median_ms=%.2f min_ms=%.2f "
      "peak_%s_mib=%.1f steps=%lld aten_ops=%lld\n",
      name, a.device.c_str(), (long long)a.hidden, (long long)a.blocks, (long long)a.batch, (long long)a.bptt,
      ms[ms.size() / 2], ms.front(), dev.is_cuda() ? "gpu_alloc" : "rss", peak, (long long)a.steps,
      (long long)ops.total);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  nas::tune_host_allocator();  // as the host does: the same allocator settings as `nashost run`
  try {
    const Args a = parse(argc, argv);
    const c10::Device dev = a.device == "cuda" ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    const auto dir = std::filesystem::temp_directory_path() / "nashost-bench-enas";
    nas::StandaloneContext ctx(dir, 1, dev);
    ctx.add_operation_set("enas-rnn", std::make_shared<nas::enas::EnasRnnOperationSet>());
    // warm-up, the timed steps, the counted one and the one --op-callers traces: full batches each
    const int64_t need = a.batch * (a.bptt + 1) * (a.steps + 4);
    auto data = nas::enas::TokenDataset::random(a.vocab, need, need, need, 1);
    nas::Json o = {{"embed", a.hidden},
                   {"hidden", a.hidden},
                   {"num_blocks", a.blocks},
                   {"batch_size", a.batch},
                   {"eval_batch_size", a.batch},
                   {"bptt", a.bptt},
                   {"epochs", 1}};
    nas::Config cfg = nas::Config::validated(o, nas::enas::search_options(), "search");
    nas::enas::EnasRnnSearch search(cfg, data, ctx);
    measure("shared_step", a, dev, [&] { search.shared_train_step(); });
    measure("controller_step", a, dev, [&] { search.controller_step(); });
    return 0;
  } catch (const c10::Error& e) {  // LibTorch errors: no driver, out of memory, ...
    std::fprintf(stderr, "nashost-bench-enas: %s\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nashost-bench-enas: %s\n", e.what());
    return 1;
  }
}
