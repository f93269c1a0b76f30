#include <gtest/gtest.h>

#include "progress_bar.hpp"
#include "results.hpp"
#include "run_directory.hpp"

using namespace nas;
using namespace nas::host;

TEST(Results, TableAlignsColumnsAndFormatsNumbers) {
  Results r;
  r.record(Json{{"lambda", 0.25}, {"params", 20506}, {"model", "a"}});
  r.record(Json{{"lambda", 1.0}, {"params", 114666}});
  const std::string t = r.format_table("T");
  EXPECT_NE(t.find("| lambda | params | model |"), std::string::npos) << t;
  EXPECT_NE(t.find("| 0.2500 |  20506 | a     |"), std::string::npos) << t;
  EXPECT_NE(t.find("|      1 | 114666 | -     |"), std::string::npos) << t;
}

TEST(Progress, RenderShowsCountsRateAndStatus) {
  const std::string s = ProgressBar::render("epoch 1", 5, 10, 2.0, "loss 0.5", 10);
  EXPECT_EQ(s, "epoch 1 [#####.....] 5/10  2.50 it/s  ETA 0:02  loss 0.5");
}

TEST(RunDirectory, NewestRunIsFoundForResume) {
  const auto root = std::filesystem::temp_directory_path() / ("nashost_runs_" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "exp-20260101-120000");
  std::filesystem::create_directories(root / "exp-20260101-120000-2");
  std::filesystem::create_directories(root / "exp-20251231-235959-7");
  std::filesystem::create_directories(root / "other-20270101-000000");
  auto newest = newest_run_directory(root, "exp");
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(newest->filename(), "exp-20260101-120000-2");
  EXPECT_FALSE(newest_run_directory(root, "missing").has_value());
  const auto created = create_run_directory(root, "exp");
  EXPECT_TRUE(std::filesystem::is_directory(created));
}
