// The status line's arithmetic (framework/src/run_clock.hpp): each kind of epoch timed on
// its own, skipped (resumed) epochs done without a time, the ETA unknown until every kind
// still to come has been timed, and the progress-bar hook that feeds it.
#include <gtest/gtest.h>

#include <stdexcept>

#include "progress_bar.hpp"
#include "run_clock.hpp"

using nas::host::ProgressBar;
using nas::host::RunClock;

TEST(RunClock, EtaWeighsEachKindByItsOwnMeanEpoch) {
  RunClock c;
  c.plan(4, 10);
  EXPECT_FALSE(c.eta_seconds());  // nothing timed yet
  c.epoch_done(RunClock::Kind::Search, 60);
  c.epoch_done(RunClock::Kind::Search, 40);
  EXPECT_FALSE(c.eta_seconds());  // trainings to come, none timed
  EXPECT_NE(c.status().find("script 14% of 14 epochs, ETA after the first training epoch"), std::string::npos)
      << c.status();
  c.epoch_done(RunClock::Kind::Training, 5);
  // 2 search epochs x 50 s + 9 training epochs x 5 s
  ASSERT_TRUE(c.eta_seconds());
  EXPECT_DOUBLE_EQ(*c.eta_seconds(), 2 * 50.0 + 9 * 5.0);
  EXPECT_NE(c.status().find("script 21% of 14 epochs, ETA 2:25"), std::string::npos) << c.status();
}

TEST(RunClock, SkippedEpochsCountAsDoneWithoutATime) {
  RunClock c;
  c.plan(2, 3);
  c.epochs_skipped(RunClock::Kind::Search, 2);  // a resumed search
  c.epoch_done(RunClock::Kind::Training, 10);
  ASSERT_TRUE(c.eta_seconds());
  EXPECT_DOUBLE_EQ(*c.eta_seconds(), 2 * 10.0);
  c.epoch_done(RunClock::Kind::Training, 10);
  c.epoch_done(RunClock::Kind::Training, 10);
  c.epoch_done(RunClock::Kind::Training, 10);  // more than planned: never negative
  EXPECT_DOUBLE_EQ(*c.eta_seconds(), 0.0);
  EXPECT_NE(c.status().find("script 100% of 5 epochs, ETA 0:00"), std::string::npos) << c.status();
}

TEST(RunClock, WithoutAPlanOnlyElapsedAndTheStagesOwnEta) {
  RunClock c;
  EXPECT_FALSE(c.has_plan());
  EXPECT_EQ(c.status().rfind("elapsed 0:00", 0), 0u);
  EXPECT_EQ(c.status().find("script"), std::string::npos);
  EXPECT_NE(c.status(95).find("ETA of this stage 1:35"), std::string::npos);
  EXPECT_EQ(RunClock::duration_text(3725), "1:02:05");
  EXPECT_EQ(RunClock::duration_text(59.6), "1:00");
}

TEST(RunClock, AProgressCutShortByAnExceptionIsNotReportedAsFinished) {
  int finished = 0;
  {
    ProgressBar bar("epoch 1/2", 3, false);
    bar.on_finish([&](const std::string& label, double) {
      EXPECT_EQ(label, "epoch 1/2");
      ++finished;
    });
    bar.advance(3);
    bar.finish();
    bar.finish();  // once only
  }
  EXPECT_EQ(finished, 1);
  try {
    ProgressBar bar("epoch 2/2", 3, false);
    bar.on_finish([&](const std::string&, double) { ++finished; });
    bar.advance(1);
    throw std::runtime_error("stop");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(finished, 1);
  {
    ProgressBar bar("epoch 2/2", 3, false);  // finished by its destructor in normal flow
    bar.on_finish([&](const std::string&, double) { ++finished; });
  }
  EXPECT_EQ(finished, 2);
}
