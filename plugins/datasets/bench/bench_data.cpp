// nashost-bench-data [dataset] [workers] [batches]
// Prints one line: how long the dataset takes to load and how many augmented batches of 64
// its training loader delivers per second. dataset: fashion-mnist (default), mnist,
// synthetic-images. Data from $NAS_DATA_DIR (or ./data).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "images/mnist.hpp"
#include "nashost/config.hpp"
#include "nashost/error.hpp"
#include "nashost/support/host_allocator.hpp"
#include "synthetic/synthetic_images.hpp"

int main(int argc, char** argv) {
  nas::tune_host_allocator();  // as the host does: the same allocator settings as `nashost run`
  using clock = std::chrono::steady_clock;
  const std::string name = argc > 1 ? argv[1] : "fashion-mnist";
  const int64_t workers = argc > 2 ? std::atoll(argv[2]) : 2;
  const int64_t max_eval_batches = argc > 3 ? std::atoll(argv[3]) : 400;
  try {
    const auto t0 = clock::now();
    std::shared_ptr<nas::data::InMemoryImageDataset> data;
    if (name == "synthetic-images") {
      data = nas::data::make_synthetic_images(
          nas::Config::validated(nas::Json::object(), nas::data::synthetic_image_options(), name), nullptr);
    } else {
      const auto& spec = name == "mnist" ? nas::data::mnist_spec() : nas::data::fashion_mnist_spec();
      data = nas::data::load_idx_dataset(
          spec, nas::Config::validated(nas::Json::object(), nas::data::idx_dataset_options(), name), nullptr);
    }
    const double load_s = std::chrono::duration<double>(clock::now() - t0).count();

    nas::LoaderOptions opts;
    opts.batch_size = 64;
    opts.augment = true;
    opts.workers = workers;
    auto loader = data->loader(nas::Split::Train, opts);
    loader->start_epoch(0);
    const auto t1 = clock::now();
    int64_t batches = 0, examples = 0;
    while (batches < max_eval_batches) {
      auto batch = loader->next();
      if (!batch) break;
      ++batches;
      examples += batch->input.size(0);
    }
    const double iter_s = std::chrono::duration<double>(clock::now() - t1).count();
    std::printf(
        "%s: load %.3f s (%lld train examples), loader batch 64 augment workers %lld: %.1f batches/s "
        "(%.0f images/s over %lld batches)\n",
        name.c_str(), load_s, static_cast<long long>(data->size(nas::Split::Train)), static_cast<long long>(workers),
        batches / iter_s, examples / iter_s, static_cast<long long>(batches));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nashost-bench-data: %s\n", e.what());
    return 1;
  }
  return 0;
}
