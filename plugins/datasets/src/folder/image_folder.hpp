#pragma once
// "image-folder": an image classification dataset laid out as folders of PNG/JPEG files,
//   <root>/train/<class>/*.png|jpg|jpeg, <root>/test/<class>/..., optionally <root>/valid/<class>/...
// Class names are the train/ sub-folders in sorted (byte) order; label = position in that order.
// Images are decoded once into memory (uint8, N×C×H×W), resized to one size.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/image_dataset.hpp"
#include "nashost/config.hpp"
#include "nashost/context.hpp"

namespace nas::data {

OptionList image_folder_options();

/// The image files of one split folder, in class order then file-name order.
struct FolderListing {
  std::vector<std::filesystem::path> files;
  std::vector<int64_t> labels;
  int64_t skipped = 0;  ///< files without a .png/.jpg/.jpeg extension (ignored)
};

/// The sub-folders of a split folder (hidden ones ignored), sorted.
std::vector<std::string> class_folders(const std::filesystem::path& split_dir);

/// Lists `split_dir`/<class>/ images; `classes` are the training classes. DataError naming the
/// folder for a class folder without images and for a class folder that train/ does not have.
FolderListing list_split_folder(const std::filesystem::path& split_dir, const std::vector<std::string>& classes);

/// Decodes every listed file (on `threads` threads) into N×channels×height×width uint8 plus
/// int64 labels. The error of the first failing file (in listing order) is thrown.
ImageArrays decode_listing(const FolderListing& listing, int channels, int height, int width, int threads);

/// Train/valid/test indices. n_valid = 0: valid is split off train by valid_fraction (as the other
/// image sets). n_valid > 0 (a valid/ folder): the train array holds train then valid images;
/// valid_fraction is not used. `subset` trims train (a seeded random subset when split_shuffle)
/// and valid/test proportionally (always seeded random subsets: the folders are sorted by class).
SplitIndices folder_split(int64_t n_train, int64_t n_valid, int64_t n_test, const SplitOptions& options);

std::shared_ptr<InMemoryImageDataset> load_image_folder(const Config& cfg, HostContext* ctx);

}  // namespace nas::data
