#pragma once
// "graphene": the graphene kirigami regression set of the capstone DARTS fork
// (docs/methods.md, DARTS): 30×80 binary cut patterns → yield strain, from the netCDF file
// graphene_processed.nc. As the capstone loader: channel axis added, one zero row padded
// top and bottom (30×80 → 32×80, so both DARTS reductions see even sizes), target = strain
// as N×1 float, sklearn train_test_split(test_size=0.2, random_state=42) → 23,832 train /
// 5,959 test rows, no normalisation, no augmentation.
#include <filesystem>
#include <memory>
#include <string>

#include "common/image_dataset.hpp"
#include "nashost/config.hpp"
#include "nashost/context.hpp"

namespace nas::data {

OptionList graphene_options();

struct GrapheneReadOptions {
  std::string image_variable = "fine_image";  ///< (sample, height, width) or (sample, channel, height, width)
  std::string target_variable = "strain";     ///< (sample) or (sample, 1)
  int64_t pad_rows = 1;                       ///< zero rows added at the top and at the bottom
  int64_t pad_cols = 0;                       ///< zero columns added at the left and at the right
  double test_fraction = 0.2;                 ///< sklearn test_size
  uint32_t test_seed = 42;                    ///< sklearn random_state
};

/// The official train and test parts (rows in sklearn's permutation order). Images are uint8
/// when every value is an integer in 0..255 (the binary patterns), else float32; targets N×1
/// float32. DataError naming the file (and variable, sample) for a missing variable, wrong
/// shapes, unreadable (truncated) data, NaN or fill values.
struct GrapheneArrays {
  ImageArrays train, test;
};
GrapheneArrays read_graphene(const std::filesystem::path& file, const GrapheneReadOptions& options);

std::shared_ptr<InMemoryImageDataset> load_graphene(const Config& cfg, HostContext* ctx);

}  // namespace nas::data
