// Plugin "datasets-images": image classification datasets read from their official files.
#include <nashost/plugin.hpp>

#include "images/cifar.hpp"
#include "images/mnist.hpp"

namespace {

void register_components(nas::Registrar& r) {
  using namespace nas::data;
  for (const IdxDatasetSpec* spec : {&mnist_spec(), &fashion_mnist_spec()}) {
    const std::string description =
        spec->name == "mnist"
            ? "MNIST handwritten digits, 1x28x28, 10 classes (official IDX files, gzip or plain)"
            : "Fashion-MNIST clothing images, 1x28x28, 10 classes (official IDX files, gzip or plain)";
    r.add_dataset({spec->name, description, idx_dataset_options()},
                  [spec](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
                    return load_idx_dataset(*spec, cfg, &ctx);
                  });
  }
  r.add_dataset(
      {"cifar10", "CIFAR-10, 3x32x32, 10 classes (official binary version: data_batch_1..5.bin, test_batch.bin)",
       cifar10_options()},
      [](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
        return load_cifar10(cfg, &ctx);
      });
  r.add_dataset(
      {"cifar100", "CIFAR-100, 3x32x32, 100 fine or 20 coarse classes (official binary version: train.bin, test.bin)",
       cifar100_options()},
      [](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
        return load_cifar100(cfg, &ctx);
      });
}

}  // namespace

NASHOST_PLUGIN("datasets-images", "0.1.0", register_components)
