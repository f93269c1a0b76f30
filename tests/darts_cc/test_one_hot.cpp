// Trainer "one-hot" (docs/methods.md, DARTS-CC): published parameter counts (closed form: fixed part +
// selected ops), genotype validation before training, and a short real training run.
#include <gtest/gtest.h>

#include <filesystem>

#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/support/standalone_context.hpp"
#include "one_hot_trainer.hpp"
#include "temp_dir.hpp"
#include "tiny_images.hpp"

using namespace nas::darts_cc;

namespace {

struct Fixture {
  darts_cc_test::TempDir tmp;
  std::filesystem::path dir = tmp.path;
  nas::StandaloneContext ctx;
  explicit Fixture(const std::string& name) : tmp("darts_cc_one_hot_" + name), ctx(tmp.path, 3) {
    ctx.add_operation_set("darts", std::make_shared<nas::nn::DartsOperationSet>());
  }
};

nas::Genotype all_none() {
  nas::Genotype g;
  g.normal.nodes.assign(4, {});
  g.reduce.nodes.assign(4, {});
  g.normal.concat = g.reduce.concat = {2, 3, 4, 5};
  return g;
}

nas::Config cfg(nas::Json j) { return nas::Config::validated(j, one_hot_options(), "train"); }

/// A small trainer on 28x28 images (3 cells of width 4, batches of 8, no augmentation), with
/// `extra` merged over it.
nas::Config small(const nas::Json& extra) {
  nas::Json j = {{"layers", 3}, {"channels", 4}, {"batch_size", 8}, {"cutout", 0}, {"augment", false}};
  for (const auto& [k, v] : extra.items()) j[k] = v;
  return cfg(j);
}

/// The committed mini-FMNIST genotype of seed 0 at λ̃ = 0.
nas::Genotype example_genotype() {
  return nas::genotype_from_darts_cc_json(
      nas::Json::parse("[[[4,3],[3,4,4],[7,3,2,7],[2,1,1,1,2]],[[3,4],[1,6,2],[4,6,6,2],[0,1,6,6,4]]]"));
}

}  // namespace

TEST(OneHot, PublishedParameterCounts) {
  Fixture f("counts");
  OneHotTrainer trainer(cfg(nas::Json::object()), f.ctx);  // mini defaults: 3 layers, C16
  darts_cc_test::TinyImages fmnist(1, 28, 10, 4), cifar(3, 32, 10, 4);
  // Every edge `none`: stem + preprocessing + head only (docs/methods.md, DARTS-CC).
  EXPECT_EQ(trainer.count_params(all_none(), fmnist), 20506);
  EXPECT_EQ(trainer.count_params(all_none(), cifar), 21370);
  // The committed mini-FMNIST genotype of seed 0 at λ̃ = 0 (the published example genotype: 114,666 parameters,
  // docs/methods.md, DARTS-CC).
  const auto g = example_genotype();
  EXPECT_EQ(trainer.count_params(g, fmnist), 114666);
}

TEST(OneHot, BadGenotypesFailBeforeTraining) {
  Fixture f("bad");
  OneHotTrainer trainer(cfg({{"layers", 3}, {"channels", 4}, {"epochs", 1}}), f.ctx);
  darts_cc_test::TinyImages data(1, 8);
  nas::Genotype g = all_none();
  g.normal.nodes.pop_back();  // 3 nodes vs 4 in the net
  EXPECT_THROW(trainer.train(g, data), nas::Error);
  g = all_none();
  g.reduce.nodes[2].push_back({"sep_conv_9x9", 0});
  try {
    trainer.count_params(g, data);
    FAIL();
  } catch (const nas::Error& e) {
    EXPECT_NE(std::string(e.what()).find("sep_conv_9x9"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(f.dir / "train"));
  // Images that the two reductions cannot halve twice.
  darts_cc_test::TinyImages odd(1, 10);
  EXPECT_THROW(trainer.count_params(all_none(), odd), nas::ConfigError);
  EXPECT_THROW(OneHotTrainer(cfg({{"operation_set", "no-such-set"}}), f.ctx), nas::Error);
}

TEST(OneHot, DropPathScheduleIsCheckedForEveryEpoch) {
  const auto s = parse_one_hot_settings(cfg({{"epochs", 100}, {"drop_path_delta", 0.002}}));
  EXPECT_DOUBLE_EQ(s.drop_path_at(0), 0.0);
  EXPECT_NEAR(s.drop_path_at(99), 0.198, 1e-12);  // the authors' mini fine-tuning ends at 0.198
  try {
    parse_one_hot_settings(cfg({{"epochs", 100}, {"drop_path_initial", 0.5}, {"drop_path_delta", 0.01}}));
    FAIL() << "0.5 + 0.01 x 99 > 1 was accepted";
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("train.drop_path_delta"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("epoch 100 of 100"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_one_hot_settings(cfg({{"drop_path_initial", -0.1}})), nas::ConfigError);
}

TEST(OneHot, TrainsAndReportsBestEpochTestAccuracy) {
  Fixture f("train");
  OneHotTrainer trainer(cfg({{"layers", 3},
                             {"channels", 4},
                             {"epochs", 3},
                             {"batch_size", 8},
                             {"cutout", 0},
                             {"augment", false},
                             {"lr", 0.05}}),
                        f.ctx);
  darts_cc_test::TinyImages data(1, 8);
  auto g = example_genotype();
  g.meta["label"] = "example";
  const auto r = trainer.train(g, data);
  EXPECT_EQ(r.params, trainer.count_params(g, data));
  EXPECT_TRUE(std::filesystem::exists(r.model_file));
  EXPECT_EQ(r.model_file.parent_path().filename(), "example");
  const double acc = r.metrics.at("test_accuracy");
  EXPECT_GE(acc, r.metrics.at("final_test_accuracy"));
  EXPECT_GT(acc, 0.25 + 0.2);  // 4 classes: clearly learned something
  EXPECT_LE(acc, 1.0);
}

TEST(OneHot, AuxiliaryHeadAddsItsLossButNotItsParameters) {
  Fixture f("aux");
  // 28x28 (mini-FMNIST): the aux head sits after cell 2 (2L/3, the second reduction) on 7x7 maps.
  darts_cc_test::TinyImages data(1, 28, 4, 16);
  auto g = example_genotype();
  auto run = [&](bool aux) {
    OneHotTrainer trainer(small({{"epochs", 1}, {"auxiliary", aux}, {"aux_weight", 0.4}}), f.ctx);
    g.meta["label"] = aux ? "with_aux" : "without_aux";
    return trainer.train(g, data);
  };
  const auto plain = run(false), with_aux = run(true);
  EXPECT_EQ(with_aux.params, plain.params) << "the auxiliary head must not be counted";
  // Same seed, same batches: the reported training loss now includes 0.4 x the aux CE
  // (about 0.4 x ln 4 at the start), so it is clearly larger.
  EXPECT_GT(with_aux.metrics.at("train_loss"), plain.metrics.at("train_loss") + 0.2);
  // Maps too small for the head's 5x5 pooling are refused with the option's name.
  darts_cc_test::TinyImages small(1, 8);
  OneHotTrainer trainer(cfg({{"layers", 3}, {"channels", 4}, {"epochs", 1}, {"auxiliary", true}}), f.ctx);
  g.meta["label"] = "too_small";
  try {
    trainer.train(g, small);
    FAIL() << "2x2 maps were accepted for the auxiliary head";
  } catch (const nas::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("auxiliary"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(f.dir / "train" / "too_small")) << "a failed start left a directory";
}

// cuda_graph = true: the training step as one graph-safe body (lr an input, the loss checked
// after the step), captured again whenever an epoch changes the drop-path probability. On the
// CPU it runs uncaptured and must train the same network as the ordinary step (drop path and
// the auxiliary head on, so their random masks and second loss are in the comparison).
TEST(OneHot, CudaGraphStepTrainsTheSameNetwork) {
  Fixture f("graph");
  darts_cc_test::TinyImages data(1, 28, 4, 16);
  auto g = example_genotype();
  auto run = [&](bool graph) {
    OneHotTrainer trainer(small({{"epochs", 3},
                                 {"auxiliary", true},
                                 {"drop_path_initial", 0.0},
                                 {"drop_path_delta", 0.1},
                                 {"cuda_graph", graph}}),
                          f.ctx);
    g.meta["label"] = graph ? "graph" : "ordinary";
    return trainer.train(g, data);
  };
  const auto ordinary = run(false), graphed = run(true);
  for (const char* key : {"train_loss", "train_accuracy", "final_test_accuracy", "test_loss"}) {
    ASSERT_TRUE(ordinary.metrics.count(key)) << key;
    EXPECT_NEAR(ordinary.metrics.at(key), graphed.metrics.at(key), 1e-5 * (1 + std::abs(ordinary.metrics.at(key))))
        << key;
  }
}
