// The ENAS macro space's auxiliary head (docs/methods.md, ENAS: the authors' macro search has
// one): where it sits and when it runs, that reported sizes exclude it, that the search's
// shared-weight step trains it with weight aux_weight, and the scratch/eval trainers.
// Inputs are 24x24 so the maps after both reductions are 6x6, the head's minimum.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "cnn/cnn_search.hpp"
#include "cnn_test_util.hpp"
#include "cnn/cnn_trainers.hpp"
#include "cnn/macro/macro_arc.hpp"
#include "cnn/macro/macro_cnn.hpp"
#include "nashost/error.hpp"
#include "common/search_options.hpp"

using namespace nas::enas;

namespace {

using enas_cnn_test::example_macro;

MacroCnnConfig aux_config() {
  MacroCnnConfig c;
  c.channels = 4;
  c.num_layers = 3;  // reductions after layers 0 and 1: the head reads layer 2
  c.height = c.width = 24;
  c.aux_head = true;
  return c;
}

// AuxiliaryHead(c, 6, 6, k) by hand: conv1 c*128 + BN 256; conv2 128*768*2*2 = 393216 +
// BN 1536; classifier 768*k + k.
int64_t aux_head_params(int64_t c, int64_t k) { return c * 128 + 256 + 393216 + 1536 + 768 * k + k; }

nas::Json aux_search(bool aux) {
  return {{"network", "cnn"},      {"cnn_space", "macro"},
          {"channels", 4},         {"num_layers", 3},
          {"epochs", 1},           {"shared_steps", 1},
          {"controller_steps", 1}, {"controller_num_aggregate", 2},
          {"batch_size", 8},       {"eval_batch_size", 16},
          {"derive_samples", 2},   {"controller_hid", 16},
          {"augment", false},      {"lr_t0", 1},
          {"auxiliary", aux},      {"shared_l2", 0.0}};  // no weight decay: a weight that moves had a gradient
}
nas::Config search_cfg(const nas::Json& j) { return nas::Config::validated(j, search_options(), "search"); }

std::vector<at::Tensor> aux_weights(torch::nn::Module& shared) {
  std::vector<at::Tensor> w;
  for (const auto& p : shared.named_parameters())
    if (p.key().rfind("aux_head.", 0) == 0) w.push_back(p.value());
  return w;
}
}  // namespace

TEST(EnasMacroAux, LogitsInTrainingModeOnly) {
  MacroCnn net(aux_config());
  EXPECT_EQ(net->aux_layer(), 2);
  const at::Tensor x = at::randn({2, 3, 24, 24});
  net->train();
  EXPECT_EQ(net->forward(x, example_macro(), true).sizes(), (std::vector<int64_t>{2, 10}));
  ASSERT_TRUE(net->aux_logits().defined());
  EXPECT_EQ(net->aux_logits().sizes(), (std::vector<int64_t>{2, 10}));
  net->eval();
  EXPECT_EQ(net->forward(x, example_macro(), false).sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_FALSE(net->aux_logits().defined()) << "the eval forward left auxiliary logits";

  // the final (fixed, widening) network: the head reads layer 2 at 16 channels
  MacroCnnConfig c = aux_config();
  c.grow_channels = true;
  MacroCnn fixed(c, example_macro());
  fixed->train();
  EXPECT_EQ(fixed->forward(at::randn({3, 3, 24, 24}), true).sizes(), (std::vector<int64_t>{3, 10}));
  ASSERT_TRUE(fixed->aux_logits().defined());
  EXPECT_EQ(fixed->aux_logits().sizes(), (std::vector<int64_t>{3, 10}));

  // off: no head, nothing in training mode either
  c.aux_head = false;
  MacroCnn plain(c, example_macro());
  plain->train();
  plain->forward(at::randn({2, 3, 24, 24}), true);
  EXPECT_FALSE(plain->aux_logits().defined());
  EXPECT_EQ(plain->aux_layer(), -1);

  // no reduction to sit after (2 layers), or maps below 6x6 there (8x8 inputs -> 2x2)
  c = aux_config();
  c.num_layers = 2;
  EXPECT_THROW(MacroCnn{c}, nas::ConfigError);
  c = aux_config();
  c.height = c.width = 8;
  EXPECT_THROW(MacroCnn{c}, nas::ConfigError);
}

TEST(EnasMacroAux, ReportedSizesExcludeTheHead) {
  // example_macro() at C=4, L=3 with width doubling: 1398 parameters by hand
  // (test_cnn_macro.cpp ParameterCountOfAFixedArchitecture); the head reads 16 channels.
  MacroCnnConfig c = aux_config();
  c.grow_channels = true;
  MacroCnn with(c, example_macro());
  EXPECT_EQ(with->aux_parameter_count(), aux_head_params(16, 10));
  EXPECT_EQ(nas::count_parameters(*with), 1398 + aux_head_params(16, 10));
  c.aux_head = false;
  EXPECT_EQ(nas::count_parameters(*MacroCnn(c, example_macro())), 1398);
  EXPECT_EQ(MacroCnn(c, example_macro())->aux_parameter_count(), 0);

  // the scratch trainer reports the hand count (4 classes: classifier 16*4 + 4) and trains
  // with the head; its model file keeps it
  auto data = std::make_shared<enas_cnn_test::TinyImages>(3, 24, 4);
  auto ctx = enas_cnn_test::context("macro-aux-trainers");
  const nas::Genotype g = macro_genotype(example_macro());
  const int64_t hand = 1398 - (16 * 10 + 10) + (16 * 4 + 4);
  nas::Json o = {{"epochs", 1},     {"max_steps_per_epoch", 2}, {"channels", 4},    {"num_layers", 3},
                 {"batch_size", 8}, {"eval_batch_size", 16},    {"augment", false}, {"auxiliary", true}};
  EnasCnnScratchTrainer t(nas::Config::validated(o, cnn_scratch_options(), "train"), *ctx);
  EXPECT_EQ(t.count_params(g, *data), hand);
  auto r = t.train(g, *data);
  EXPECT_EQ(r.params, hand);
  EXPECT_EQ(load_macro_cnn(r.model_file, c10::Device(c10::kCPU))->aux_parameter_count(), aux_head_params(16, 4));

  // enas-cnn-eval on the shared weights of a search with the head: the arc's weights only
  auto sctx = enas_cnn_test::context("macro-aux-eval");
  EnasCnnSearch s(search_cfg(aux_search(true)), data, *sctx);
  s.run_epoch();
  // the search's own reported size (the results table's "search" row) leaves the head out too
  auto& shared_net = dynamic_cast<MacroCnnImpl&>(s.shared());
  EXPECT_EQ(s.state_summary()["shared_params"].get<int64_t>(),
            nas::count_parameters(shared_net) - aux_head_params(4, 4));
  EXPECT_EQ(shared_net.aux_parameter_count(), aux_head_params(4, 4));
  MacroCnnConfig shared = load_macro_cnn(s.shared_model_file(), c10::Device(c10::kCPU))->config();
  EXPECT_TRUE(shared.aux_head);
  shared.aux_head = false;
  EnasCnnEvalTrainer ev(
      nas::Config::validated({{"model_file", s.shared_model_file().string()}}, cnn_eval_options(), "t"), *sctx);
  EXPECT_EQ(ev.count_params(g, *data), nas::count_parameters(*MacroCnn(shared, example_macro())));
  EXPECT_EQ(ev.train(g, *data).params, ev.count_params(g, *data));
}

TEST(EnasMacroAux, SearchStepTrainsTheHeadWithItsWeight) {
  auto data = std::make_shared<enas_cnn_test::TinyImages>(1, 24, 4);
  auto ctx = enas_cnn_test::context("macro-aux-search");
  EnasCnnSearch s(search_cfg(aux_search(true)), data, *ctx);
  std::vector<at::Tensor> before;
  for (const auto& w : aux_weights(s.shared())) before.push_back(w.detach().clone());
  ASSERT_EQ(before.size(), 8u);  // conv1, bn1 weight + bias, conv2, bn2 weight + bias, classifier weight + bias
  s.shared_train_step(0.05);
  const auto after = aux_weights(s.shared());
  for (size_t i = 0; i < after.size(); ++i) {
    ASSERT_TRUE(after[i].grad().defined()) << "aux parameter " << i << " got no gradient";
    EXPECT_FALSE(at::equal(before[i], after[i])) << "aux parameter " << i << " did not move";
  }

  // aux_weight 0: the head's loss term is zero, so are its gradients, and it stays put
  nas::Json o = aux_search(true);
  o["aux_weight"] = 0.0;
  auto ctx0 = enas_cnn_test::context("macro-aux-search-0");
  EnasCnnSearch z(search_cfg(o), data, *ctx0);
  std::vector<at::Tensor> start;
  for (const auto& w : aux_weights(z.shared())) start.push_back(w.detach().clone());
  z.shared_train_step(0.05);
  const auto moved = aux_weights(z.shared());
  for (size_t i = 0; i < moved.size(); ++i) EXPECT_TRUE(at::equal(start[i], moved[i])) << "aux parameter " << i;

  // off (the default): the search network has no head; a checkpoint with it does not resume without it
  auto ctx2 = enas_cnn_test::context("macro-aux-off");
  EnasCnnSearch off(search_cfg(aux_search(false)), data, *ctx2);
  EXPECT_TRUE(aux_weights(off.shared()).empty());
  EXPECT_FALSE(search_cfg({{"network", "cnn"}}).get_bool("auxiliary"));
  const auto ckpt = ctx->run_dir() / "aux.ckpt";
  s.save(ckpt);
  try {
    off.load(ckpt);
    FAIL() << "a checkpoint with the auxiliary head resumed a run without it";
  } catch (const nas::Error& e) {
    EXPECT_NE(std::string(e.what()).find("auxiliary"), std::string::npos) << e.what();
  }

  // the micro search has no auxiliary head and says so
  nas::Json micro = aux_search(true);
  micro["cnn_space"] = "micro";
  micro["num_blocks"] = 3;
  micro["num_layers"] = 1;
  EXPECT_THROW(EnasCnnSearch(search_cfg(micro), data, *ctx2), nas::ConfigError);
}
