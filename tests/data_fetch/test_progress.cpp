// The host's progress bar in bytes, as `nashost data fetch` and download = true show it.
#include <gtest/gtest.h>

#include "progress_bar.hpp"

using nas::host::ProgressBar;

TEST(DownloadProgress, ShowsBytesRateAndEta) {
  // 12.5 of 25 MB after 2 s, 2.5 MB of it resumed from an earlier download: 5 MB/s, ETA 0:02.
  const std::string s = ProgressBar::render("fashion-mnist train-images-idx3-ubyte.gz", 12'500'000, 25'000'000, 2.0, "",
                                            10, ProgressBar::Unit::Bytes, 2'500'000);
  EXPECT_EQ(s, "fashion-mnist train-images-idx3-ubyte.gz [#####.....] 12.5/25.0 MB  5.0 MB/s  ETA 0:02");
}

TEST(DownloadProgress, UnknownTotalShowsBytesAndRateOnly) {
  EXPECT_EQ(ProgressBar::render("x", 2'000, 0, 1.0, "", 10, ProgressBar::Unit::Bytes), "x 2.0 kB  2.0 kB/s");
}

TEST(DownloadProgress, ItemsAreUnchanged) {
  EXPECT_EQ(ProgressBar::render("epoch 1", 5, 10, 2.0, "loss 0.5", 10),
            "epoch 1 [#####.....] 5/10  2.50 it/s  ETA 0:02  loss 0.5");
}
