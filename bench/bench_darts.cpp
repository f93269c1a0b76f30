// nashost-bench-darts: one DARTS search step (architecture step + weight step) on random
// data; prints ONE line with the median milliseconds per step and the peak memory
// (CUDA: the c10 caching allocator's peak of allocated bytes; CPU: peak RSS from getrusage).
//   nashost-bench-darts --order 2 --batch 64 --size 32 --channels 16 --layers 8 --device cpu --steps 5
// --list-ops prints the 25 most frequent ATen ops of one step; --op-callers NAME where the
// calls of one op (e.g. aten::to) come from.
// --per-edge runs the supernet edge by edge (the path before edge batching) for comparison;
// --nchw / --nhwc force the activation layout (default: channels-last on the CPU, NCHW on CUDA);
// --merged-bn / --per-op-bn force how the edge batches run the ops' final BatchNorms
// (default: merged on CUDA, per op on the CPU; nashost/nn/batchnorm_merge.hpp).
// --cuda-graph takes the step as the search's `cuda_graph = true` does: captured once in a CUDA
// graph and replayed (at least 5 warm-up steps: 3 eager, the capture, a replay); on the CPU the
// graph-safe step runs uncaptured.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/Context.h>
#include <c10/core/CachingDeviceAllocator.h>
#include <torch/cuda.h>

#include "darts_search.hpp"
#include "nashost/support/aten_op_count.hpp"
#include "nashost/error.hpp"
#include "nashost/support/host_allocator.hpp"
#include "nashost/nn/batchnorm_merge.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/support/standalone_context.hpp"
#include "nashost/support/tensor_dataset.hpp"

int main(int argc, char** argv) try {
  nas::tune_host_allocator();  // as the host does: the same allocator settings as `nashost run`
  int64_t order = 2, batch = 64, size = 32, channels = 16, layers = 8, steps = 5, warmup = 1;
  std::string device = "cpu";
  bool batch_edges = true, list_ops = false, cuda_graph = false;
  std::string layout = "auto", op_callers;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw nas::ConfigError("missing value after " + a);
      return argv[++i];
    };
    if (a == "--order")
      order = std::stoll(value());
    else if (a == "--batch")
      batch = std::stoll(value());
    else if (a == "--size")
      size = std::stoll(value());
    else if (a == "--channels")
      channels = std::stoll(value());
    else if (a == "--layers")
      layers = std::stoll(value());
    else if (a == "--steps")
      steps = std::stoll(value());
    else if (a == "--warmup")
      warmup = std::stoll(value());
    else if (a == "--device")
      device = value();
    else if (a == "--per-edge")
      batch_edges = false;
    else if (a == "--nchw")
      layout = "nchw";
    else if (a == "--nhwc")
      layout = "channels_last";
    else if (a == "--merged-bn")
      nas::nn::set_batchnorm_merge(nas::nn::BatchNormMerge::On);
    else if (a == "--per-op-bn")
      nas::nn::set_batchnorm_merge(nas::nn::BatchNormMerge::Off);
    else if (a == "--cuda-graph")
      cuda_graph = true;
    else if (a == "--list-ops")
      list_ops = true;
    else if (a == "--op-callers")
      op_callers = value();
    else
      throw nas::ConfigError("unknown argument '" + a +
                             "' (--order --batch --size --channels --layers --device --steps --warmup --per-edge "
                             "--nchw --nhwc --merged-bn --per-op-bn --cuda-graph --list-ops --op-callers NAME)");
  }
  const bool cuda = device.rfind("cuda", 0) == 0;
  if (cuda && !torch::cuda::is_available()) throw nas::ConfigError("--device cuda: no CUDA device available");
  const c10::Device dev = cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (cuda) at::globalContext().setBenchmarkCuDNN(true);  // as the host does for CUDA runs
  const auto dir = std::filesystem::temp_directory_path() / "nashost-bench-darts";
  nas::StandaloneContext ctx(dir, 0, dev);
  ctx.add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  auto data = nas::TensorDataset::random(batch * 2, 3, size, 10, 0);
  nas::Json opts = {{"order", order},
                    {"batch_size", batch},
                    {"channels", channels},
                    {"layers", layers},
                    {"epochs", 1},
                    {"plots", false},
                    {"batch_edges", batch_edges},
                    {"memory_format", layout},
                    {"cuda_graph", cuda_graph}};
  if (cuda_graph) warmup = std::max<int64_t>(warmup, 5);
  nas::darts::DartsSearch search(nas::Config::validated(opts, nas::darts::search_options(), "bench"), data, ctx);
  nas::LoaderOptions lo;
  lo.batch_size = batch;
  lo.device = dev;
  auto tl = data->loader(nas::Split::Train, lo), vl = data->loader(nas::Split::Valid, lo);
  tl->start_epoch(0);
  vl->start_epoch(0);
  const nas::Batch tb = *tl->next(), vb = *vl->next();
  auto sync = [&] {
    if (cuda) torch::cuda::synchronize();
  };
  // The peak is taken after the warm-up (lazy allocations), except with a graph, whose memory is
  // allocated during the capture.
  if (cuda && cuda_graph) c10::getDeviceAllocator(c10::kCUDA)->resetPeakStats(0);
  for (int64_t i = 0; i < warmup; ++i) search.step(tb, vb, 0.025, "benchmark step");
  sync();
  if (cuda && !cuda_graph) c10::getDeviceAllocator(c10::kCUDA)->resetPeakStats(0);
  std::vector<double> ms;
  for (int64_t i = 0; i < steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    search.step(tb, vb, 0.025, "benchmark step");
    sync();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  // One more step, counting the ATen ops it dispatches (--list-ops: by name).
  const nas::AtenOpCount ops = nas::count_aten_ops(
      [&] {
        search.step(tb, vb, 0.025, "benchmark step");
        sync();
      },
      list_ops);
  if (list_ops) ops.print_top(60);
  if (!op_callers.empty())
    nas::print_op_callers(nas::aten_op_callers([&] { search.step(tb, vb, 0.025, "benchmark step"); }, op_callers), 10);
  std::sort(ms.begin(), ms.end());
  const double median =
      ms.empty() ? 0.0 : (ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]));
  double peak_mib = 0;
  std::string what;
  if (cuda) {
    const auto stats = c10::getDeviceAllocator(c10::kCUDA)->getDeviceStats(0);
    peak_mib = static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0);
    what = "cuda_peak_allocated";
  } else {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
    what = "peak_rss";
  }
  // Named when it differs from what `auto` runs on this device.
  const bool nhwc = layout == "channels_last" || (layout == "auto" && !cuda);
  const auto merge = nas::nn::batchnorm_merge();
  std::string variant = !batch_edges ? " (per-edge)" : nhwc == cuda ? (nhwc ? " (nhwc)" : " (nchw)") : "";
  if (batch_edges && merge != nas::nn::BatchNormMerge::Auto && (merge == nas::nn::BatchNormMerge::On) != cuda)
    variant += merge == nas::nn::BatchNormMerge::On ? " (merged-bn)" : " (per-op-bn)";
  if (cuda_graph) variant += search.step_graph()->captured() ? " (cuda-graph)" : " (graph-safe, uncaptured)";
  std::printf(
      "darts%s order=%lld batch=%lld size=%lld C=%lld L=%lld device=%s steps=%lld: median %.1f ms/step, %s %.0f MiB, "
      "%lld aten ops/step\n",
      variant.c_str(), static_cast<long long>(order), static_cast<long long>(batch), static_cast<long long>(size),
      static_cast<long long>(channels), static_cast<long long>(layers), device.c_str(), static_cast<long long>(steps),
      median, what.c_str(), peak_mib, static_cast<long long>(ops.total));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "nashost-bench-darts: %s\n", e.what());
  return 1;
}
