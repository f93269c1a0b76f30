#include "nashost/config.hpp"
#include "nashost/dataset.hpp"

namespace nas {

LoaderOptions LoaderOptions::for_training(const Config& options, uint64_t seed, c10::Device device) {
  LoaderOptions lo;
  lo.batch_size = options.get_int("batch_size");
  lo.shuffle = true;
  lo.augment = options.get_bool("augment");
  if (options.has("cutout")) lo.cutout = options.get_int("cutout");
  lo.workers = options.get_int("workers");
  lo.seed = seed;
  lo.device = device;
  return lo;
}

}  // namespace nas
