#pragma once
// Generated image classification data for smoke tests and quick runs without files.
//
// Each class has a smooth random prototype (low-resolution Gaussian noise, upsampled);
// an example is its class prototype, shifted by a few pixels, scaled by a random
// contrast, plus pixel noise. The classes are learnable (a small CNN separates them)
// but not trivially by one pixel. info().synthetic is true.
#include <memory>

#include "common/image_dataset.hpp"
#include "nashost/config.hpp"
#include "nashost/context.hpp"

namespace nas::data {

OptionList synthetic_image_options();
std::shared_ptr<InMemoryImageDataset> make_synthetic_images(const Config& cfg, HostContext* ctx);

}  // namespace nas::data
