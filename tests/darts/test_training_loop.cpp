// The SDK's shared pieces of training: the epoch loop (nashost/nn/training_loop.hpp) and the
// data-parallel shard arithmetic in one process (nashost/nn/data_parallel.hpp; the multi-rank
// equalities are the distributed.* tests).
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <chrono>
#include <thread>

#include "nashost/error.hpp"
#include "nashost/nn/data_parallel.hpp"
#include "nashost/nn/data_wait.hpp"
#include "nashost/nn/training_loop.hpp"
#include "nashost/support/standalone_context.hpp"

namespace {

nas::nn::TrainingLoop counting_loop(std::vector<std::string>& calls) {
  nas::nn::TrainingLoop loop;
  loop.label = "t";
  loop.epochs = 3;
  loop.step_metric = "t/loss";
  loop.step_metric_every = 2;
  loop.begin_epoch = [&calls](int64_t e) {
    calls.push_back("begin " + std::to_string(e));
    return int64_t{4};
  };
  loop.step = [&calls](int64_t e, int64_t s, int64_t g) -> std::optional<double> {
    if (e == 1 && s == 2) return std::nullopt;  // the data ran out early in epoch 1
    calls.push_back("step " + std::to_string(e) + "." + std::to_string(s) + " g" + std::to_string(g));
    return static_cast<double>(s + 1);
  };
  loop.end_epoch = [&calls](int64_t e, int64_t done, double mean) {
    calls.push_back("end " + std::to_string(e) + " " + std::to_string(done) + " " + std::to_string(mean));
  };
  return loop;
}

}  // namespace

TEST(TrainingLoop, RunsEpochsStepsAndReportsMeans) {
  nas::StandaloneContext ctx("/tmp");
  std::vector<std::string> calls;
  nas::nn::run_training_loop(ctx, counting_loop(calls));
  ASSERT_EQ(calls.size(), 3u * 2 + 4 + 2 + 4);
  EXPECT_EQ(calls[0], "begin 0");
  EXPECT_EQ(calls[5], "end 0 4 2.500000");  // losses 1, 2, 3, 4
  EXPECT_EQ(calls[9], "end 1 2 1.500000");  // stopped by the data after 2 steps
  EXPECT_EQ(calls[10], "begin 2");
  EXPECT_EQ(calls[11], "step 2.0 g6");  // the global step counts the steps done
  int metrics = 0;
  for (const auto& s : ctx.scalars())
    if (s.tag == "t/loss") ++metrics;
  EXPECT_EQ(metrics, 5);  // global steps 0, 2, 4, 6, 8
}

TEST(TrainingLoop, StopFlagEndsBeforeTheNextStepWithInterrupted) {
  nas::StandaloneContext ctx("/tmp");
  std::vector<std::string> calls;
  auto loop = counting_loop(calls);
  auto step = loop.step;
  loop.step = [&](int64_t e, int64_t s, int64_t g) {
    if (e == 0 && s == 1) ctx.request_stop();
    return step(e, s, g);
  };
  EXPECT_THROW(nas::nn::run_training_loop(ctx, loop), nas::Interrupted);
  ASSERT_EQ(calls.size(), 3u);  // begin 0, step 0.0, step 0.1: no further step, no end_epoch
  EXPECT_EQ(calls.back(), "step 0.1 g1");
}

TEST(DataParallel, MicroBatchGradientEqualsTheWholeBatchGradient) {
  // Mean squared error of a linear model: the mean of two equal halves' means is the whole
  // batch's mean, so the averaged gradient is the whole-batch gradient (float64).
  at::manual_seed(1);
  const at::Tensor w = at::randn({5, 1}, at::kDouble).requires_grad_(true);
  nas::Batch batch{at::randn({8, 5}, at::kDouble), at::randn({8, 1}, at::kDouble)};
  const auto loss_of = [&](const nas::Batch& b) { return (b.input.matmul(w) - b.target).pow(2).mean(); };
  const auto whole = nas::nn::DataParallel::single_process(1);
  const auto split = nas::nn::DataParallel::single_process(2);
  double whole_loss = 0, split_loss = 0;
  const auto g1 = whole.gradients([&](int k) { return loss_of(whole.shard(batch, k)); }, {w}, &whole_loss);
  const auto g2 = split.gradients([&](int k) { return loss_of(split.shard(batch, k)); }, {w}, &split_loss);
  EXPECT_TRUE(at::allclose(g1[0], g2[0], 1e-12, 1e-12));
  EXPECT_NEAR(whole_loss, split_loss, 1e-12);
  // backward(): the same through .grad
  w.mutable_grad() = at::Tensor();
  const double l = split.backward([&](int k) { return loss_of(split.shard(batch, k)); }, {w});
  EXPECT_NEAR(l, whole_loss, 1e-12);
  EXPECT_TRUE(at::allclose(w.grad(), g1[0], 1e-12, 1e-12));
}

TEST(DataParallel, ShardsCoverTheBatchAndNoiseDependsOnTheShardOnly) {
  const auto four = nas::nn::DataParallel::single_process(4);
  int64_t next = 0;
  for (int k = 0; k < 4; ++k) {
    const auto [begin, end] = four.shard_range(10, k);
    EXPECT_EQ(begin, next);
    next = end;
  }
  EXPECT_EQ(next, 10);
  EXPECT_THROW(four.shard_range(3, 0), nas::Error);  // fewer examples than shards
  EXPECT_THROW(four.check_batch_size(3, "search.batch_size"), nas::ConfigError);
  EXPECT_NO_THROW(four.check_batch_size(4, "search.batch_size"));
  EXPECT_FALSE(four.splits(nas::Batch{at::zeros({3, 1}), at::zeros({3})}));
  // Each shard's draws come from a generator seeded by its index: the same two shards give the
  // same noise, and the default generator continues the same way afterwards.
  auto draws = [&] {
    at::manual_seed(7);
    std::vector<at::Tensor> noise;
    four.for_each_shard([&](int) { noise.push_back(at::rand({3})); });
    noise.push_back(at::rand({3}));
    return noise;
  };
  const auto a = draws(), b = draws();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(at::equal(a[i], b[i]));
  EXPECT_FALSE(at::equal(a[0], a[1]));
}

namespace {
/// Batches that take `delay` to hand over.
class SlowLoader : public nas::BatchLoader {
 public:
  explicit SlowLoader(std::chrono::milliseconds delay) : delay_(delay) {}
  int64_t batches_per_epoch() const override { return 3; }
  void start_epoch(int64_t) override {}
  std::optional<nas::Batch> next() override {
    std::this_thread::sleep_for(delay_);
    return nas::Batch{at::zeros({1}), at::zeros({1})};
  }

 private:
  std::chrono::milliseconds delay_;
};
}  // namespace

// data_wait_share: the time inside next() over the epoch's wall time (sleeps only lengthen
// on a busy machine, so the bounds hold there too).
TEST(DataWait, ShareIsTheLoadersPartOfTheEpoch) {
  SlowLoader loader(std::chrono::milliseconds(30));
  nas::nn::DataWait wait;
  wait.start_epoch();
  ASSERT_TRUE(wait.next(loader).has_value());
  EXPECT_GT(wait.share(), 0.8);                                // nothing but the loader so far
  std::this_thread::sleep_for(std::chrono::milliseconds(90));  // a "step" three times as long
  EXPECT_LT(wait.share(), 0.5);
  EXPECT_GT(wait.share(), 0.0);
  wait.start_epoch();  // a new epoch starts from nothing
  EXPECT_LT(wait.share(), 0.5);
}
