// nas::run_parallel_trials: one process runs every trial in order; rank r of N runs the
// trials i with i mod N = r in a one-process world, waits for the others, and returns the
// table the ranks sum (here rank 1 of 2, with a fake rank 0 that contributes its rows).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <ATen/ATen.h>

#include "nashost/collectives.hpp"
#include "nashost/error.hpp"
#include "nashost/parallel_trials.hpp"

namespace {

TEST(ParallelTrials, OneProcessRunsEveryTrialInOrder) {
  std::vector<int64_t> ran;
  const auto rows = nas::run_parallel_trials(4, 2, [&](int64_t i) {
    ran.push_back(i);
    return std::vector<double>{static_cast<double>(i), -std::numeric_limits<double>::infinity()};
  });
  EXPECT_EQ(ran, (std::vector<int64_t>{0, 1, 2, 3}));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3][0], 3.0);
  EXPECT_TRUE(std::isinf(rows[3][1]));
  EXPECT_THROW(nas::run_parallel_trials(1, 2, [](int64_t) { return std::vector<double>{1.0}; }), nas::Error)
      << "a trial must give `width` numbers";
  EXPECT_THROW(nas::run_parallel_trials(2, 1, [](int64_t) -> std::vector<double> { throw nas::ConfigError("bad"); }),
               nas::ConfigError)
      << "the trial's own exception type reaches the caller";
}

// Rank 1 of 2; its all-reduce adds what rank 0 would have filled in: `rank0_rows`.
class FakeRank1 : public nas::Collectives {
 public:
  explicit FakeRank1(at::Tensor rank0_rows) : rank0_rows_(std::move(rank0_rows)) {}
  int rank() const override { return 1; }
  int world_size() const override { return 2; }
  void all_reduce_sum(std::vector<at::Tensor>& tensors) override {
    EXPECT_EQ(waits, 1) << "the ranks meet before the bounded collective";
    tensors[0].add_(rank0_rows_);
  }
  void broadcast(std::vector<at::Tensor>&, int) override { ADD_FAILURE() << "not used"; }
  void wait_for_all() override { ++waits; }
  int waits = 0;

 private:
  at::Tensor rank0_rows_;
};

struct Installed {
  explicit Installed(nas::Collectives* c) { nas::set_process_collectives(c); }
  ~Installed() { nas::set_process_collectives(nullptr); }
};

TEST(ParallelTrials, RankOneRunsItsShareAloneAndGetsEveryRow) {
  // rank 0's rows: trials 0 and 2 -> (10, 0 failed), (12, 0 failed); the last column says failed
  FakeRank1 ranks(at::tensor({10.0, 0.0, 0.0, 0.0, 12.0, 0.0, 0.0, 0.0}, at::kDouble).view({4, 2}));
  const Installed installed(&ranks);
  std::vector<int64_t> ran;
  const auto rows = nas::run_parallel_trials(4, 1, [&](int64_t i) {
    EXPECT_EQ(nas::process_collectives(), nullptr) << "a trial sees a one-process world";
    ran.push_back(i);
    return std::vector<double>{100.0 + static_cast<double>(i)};
  });
  EXPECT_EQ(ran, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(nas::process_collectives(), &ranks) << "the ranks are back after the trials";
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][0], 10.0);
  EXPECT_EQ(rows[1][0], 101.0);
  EXPECT_EQ(rows[2][0], 12.0);
  EXPECT_EQ(rows[3][0], 103.0);
}

TEST(ParallelTrials, AFailureOnAnotherRankStopsThisOneNamingIt) {
  FakeRank1 ranks(at::tensor({0.0, 1.0, 0.0, 0.0}, at::kDouble).view({2, 2}));  // trial 0 failed on rank 0
  const Installed installed(&ranks);
  try {
    nas::run_parallel_trials(2, 1, [](int64_t) { return std::vector<double>{1.0}; });
    FAIL() << "must throw";
  } catch (const nas::Error& e) {
    EXPECT_NE(std::string(e.what()).find("trial 0 failed on rank 0"), std::string::npos) << e.what();
  }
}

TEST(ParallelTrials, AFailureHereStillMeetsTheOtherRanks) {
  FakeRank1 ranks(at::zeros({2, 2}, at::kDouble));
  const Installed installed(&ranks);
  EXPECT_THROW(nas::run_parallel_trials(2, 1, [](int64_t) -> std::vector<double> { throw nas::ConfigError("bad"); }),
               nas::ConfigError);
  EXPECT_EQ(ranks.waits, 1) << "rank 0 is not left waiting in the collective";
}

}  // namespace
