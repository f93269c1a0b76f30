// The search network's batched edges (sdk/src/nn/edge_batch.hpp) against the edge-by-edge
// path: same outputs, same gradients, same BatchNorm running statistics, in training and
// eval mode, with shared and per-example weights, after moving and reloading the network,
// and for op types the batching does not know.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <sstream>

#include "nashost/nn/batchnorm_merge.hpp"
#include "nashost/support/aten_op_count.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "nashost/nn/view_cat.hpp"

namespace {

using nas::nn::DartsSearchNetwork;

std::shared_ptr<const nas::OperationSet> darts_ops() { return std::make_shared<nas::nn::DartsOperationSet>(); }

// Four nodes give batches of 8, 3, 2 and 1 edges; three cells include both reductions.
DartsSearchNetwork make_net(bool batched, std::shared_ptr<const nas::OperationSet> ops = darts_ops()) {
  torch::manual_seed(7);  // identical initial weights for both paths
  nas::nn::SearchNetworkOptions o;
  o.in_channels = 2;
  o.num_outputs = 3;
  o.channels = 4;
  o.layers = 3;
  o.nodes = 4;
  o.batch_edges = batched;
  DartsSearchNetwork net(o, std::move(ops));
  net->to(at::kDouble);
  return net;
}

void expect_same_state(DartsSearchNetwork& a, DartsSearchNetwork& b, bool grads) {
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& item : pa) {
    const at::Tensor& other = pb[item.key()];
    EXPECT_TRUE(at::allclose(item.value(), other, 1e-10, 1e-12)) << item.key();
    if (grads) {
      ASSERT_TRUE(item.value().grad().defined()) << item.key();
      EXPECT_TRUE(at::allclose(item.value().grad(), other.grad(), 1e-9, 1e-11)) << "grad of " << item.key();
    }
  }
  const auto ba = a->named_buffers(), bb = b->named_buffers();
  ASSERT_EQ(ba.size(), bb.size());
  for (const auto& item : ba)
    EXPECT_TRUE(at::allclose(item.value().to(at::kDouble), bb[item.key()].to(at::kDouble), 1e-10, 1e-12)) << item.key();
}

at::Tensor random_weights(const DartsSearchNetwork& net, int64_t batch = 0) {
  const std::vector<int64_t> shape = batch ? std::vector<int64_t>{batch, net->num_edges(), net->num_ops()}
                                           : std::vector<int64_t>{net->num_edges(), net->num_ops()};
  return at::softmax(at::randn(shape, at::kDouble), -1).requires_grad_(true);
}

/// One forward and backward of both networks on the same input and weights (shared, or
/// per example when per_example > 0): same outputs, α gradients, parameters, gradients and buffers.
void expect_same_training_step(DartsSearchNetwork& a, DartsSearchNetwork& b, int64_t per_example, uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor x = at::randn({per_example > 0 ? per_example : 5, 2, 8, 8}, at::kDouble);
  const at::Tensor wn = random_weights(a, per_example), wr = random_weights(a, per_example);
  const at::Tensor wn2 = wn.detach().clone().requires_grad_(true), wr2 = wr.detach().clone().requires_grad_(true);
  a->zero_grad();
  b->zero_grad();
  const at::Tensor ya = a->forward(x, wn, wr), yb = b->forward(x, wn2, wr2);
  ASSERT_TRUE(at::allclose(ya, yb, 1e-10, 1e-12)) << "per_example=" << per_example;
  const at::Tensor target = at::randn_like(ya);
  ((ya - target).pow(2).sum()).backward();
  ((yb - target).pow(2).sum()).backward();
  EXPECT_TRUE(at::allclose(wn.grad(), wn2.grad(), 1e-9, 1e-11));
  EXPECT_TRUE(at::allclose(wr.grad(), wr2.grad(), 1e-9, 1e-11));
  expect_same_state(a, b, /*grads=*/true);
}

TEST(EdgeBatching, Outputs_gradients_and_running_statistics_match_the_per_edge_path) {
  auto batched = make_net(true), per_edge = make_net(false);
  for (int64_t per_example : {0, 5}) expect_same_training_step(batched, per_edge, per_example, 11 + per_example);
  // Eval mode reads each edge's own running statistics.
  batched->eval();
  per_edge->eval();
  const at::Tensor x = at::randn({3, 2, 8, 8}, at::kDouble);
  const at::Tensor w = random_weights(batched);
  EXPECT_TRUE(at::allclose(batched->forward(x, w, w), per_edge->forward(x, w, w), 1e-10, 1e-12));
}

// The ops' final BatchNorms merged into one per batch (the CUDA default; forced here) against
// the per-edge path: outputs, α gradients, every parameter gradient, running statistics and
// step counters, with shared and per-example weights, twice in a row (the merged buffers
// stay views of each edge's own statistics), then in eval mode; and fewer ops than per op.
TEST(EdgeBatching, Merged_batch_norms_match_the_per_edge_path) {
  struct Merge {
    explicit Merge(nas::nn::BatchNormMerge m) { nas::nn::set_batchnorm_merge(m); }
    ~Merge() { nas::nn::set_batchnorm_merge(nas::nn::BatchNormMerge::Auto); }
  } on(nas::nn::BatchNormMerge::On);
  auto merged = make_net(true), per_edge = make_net(false);
  for (int64_t per_example : {0, 5, 0}) expect_same_training_step(merged, per_edge, per_example, 21 + per_example);
  merged->eval();
  per_edge->eval();
  const at::Tensor x = at::randn({3, 2, 8, 8}, at::kDouble);
  const at::Tensor w = random_weights(merged);
  EXPECT_TRUE(at::allclose(merged->forward(x, w, w), per_edge->forward(x, w, w), 1e-10, 1e-12));
  merged->train();
  auto step = [&] { merged->forward(x, w, w).sum().backward(); };
  const int64_t with_merge = nas::count_aten_ops(step).total;
  nas::nn::set_batchnorm_merge(nas::nn::BatchNormMerge::Off);
  const int64_t per_op = nas::count_aten_ops(step).total;
  EXPECT_LT(with_merge, per_op) << "merged " << with_merge << ", per op " << per_op;
}

TEST(EdgeBatching, Statistics_stay_per_edge_after_moving_and_reloading_the_network) {
  auto batched = make_net(true), per_edge = make_net(false);
  const at::Tensor x = at::randn({4, 2, 8, 8}, at::kDouble);
  const at::Tensor w = random_weights(batched).detach();
  batched->forward(x, w, w);
  per_edge->forward(x, w, w);
  // Module::to replaces every buffer: the batch must notice and re-share them.
  batched->to(at::kFloat);
  per_edge->to(at::kFloat);
  batched->to(at::kDouble);
  per_edge->to(at::kDouble);
  batched->forward(x, w, w);
  per_edge->forward(x, w, w);
  expect_same_state(batched, per_edge, false);

  // Loading a checkpoint (written by the per-edge network) replaces them too.
  per_edge->forward(x * 2, w, w);
  torch::serialize::OutputArchive out;
  per_edge->save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  std::istringstream read(bytes.str());
  in.load_from(read);
  batched->load(in);
  expect_same_state(batched, per_edge, false);
  batched->forward(x, w, w);
  per_edge->forward(x, w, w);
  expect_same_state(batched, per_edge, false);
  batched->eval();
  per_edge->eval();
  EXPECT_TRUE(at::allclose(batched->forward(x, w, w), per_edge->forward(x, w, w), 1e-10, 1e-12));

  // Switching the path at run time keeps the results.
  per_edge->set_batch_edges(true);
  EXPECT_TRUE(at::allclose(batched->forward(x, w, w), per_edge->forward(x, w, w), 1e-10, 1e-12));
}

// An op type the batching does not know: Conv 3×3 + BN with a learnable scale, at stride 1
// or 2 — it runs edge by edge inside the batch.
class ScaledConv : public nas::Op {
 public:
  ScaledConv(int64_t c, int64_t stride) {
    conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 3).stride(stride).padding(1)));
    bn_ = register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(c).affine(false)));
    scale_ = register_parameter("scale", at::ones({1}));
  }
  at::Tensor forward(const at::Tensor& x) override { return bn_->forward(conv_->forward(x)) * scale_; }

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  at::Tensor scale_;
};

class MixedSet : public nas::OperationSet {
 public:
  const std::vector<std::string>& ops() const override {
    static const std::vector<std::string> names{"none", "skip_connect", "scaled_conv", "sep_conv_3x3"};
    return names;
  }
  std::shared_ptr<nas::Op> make(const std::string& op, const nas::OpArgs& args) const override {
    if (op == "scaled_conv") return std::make_shared<ScaledConv>(args.channels, args.stride);
    return darts_.make(op, args);
  }

 private:
  nas::nn::DartsOperationSet darts_;
};

TEST(EdgeBatching, Unknown_op_types_run_per_edge_inside_the_batch) {
  auto batched = make_net(true, std::make_shared<MixedSet>()), per_edge = make_net(false, std::make_shared<MixedSet>());
  const at::Tensor x = at::randn({3, 2, 8, 8}, at::kDouble);
  const at::Tensor w = random_weights(batched, 3);
  const at::Tensor ya = batched->forward(x, w, w), yb = per_edge->forward(x, w, w);
  ASSERT_TRUE(at::allclose(ya, yb, 1e-10, 1e-12));
  ya.sum().backward();
  yb.sum().backward();
  expect_same_state(batched, per_edge, true);
}

TEST(EdgeBatching, Channels_last_gives_the_nchw_result_and_keeps_its_layout) {
  auto nhwc = make_net(true), nchw = make_net(true);
  nchw->set_layout(nas::nn::Layout::Nchw);
  ASSERT_EQ(nhwc->options().layout, nas::nn::Layout::Auto);  // the default: channels-last on the CPU
  for (int64_t per_example : {0, 4}) expect_same_training_step(nhwc, nchw, per_example, 21 + per_example);
  // The layout is real, not lost on the way: a cell (after a reduction, so that both kinds
  // of preprocessing run) hands on a dense channels-last state, or a dense NCHW one when off.
  auto ops = darts_ops();
  nas::nn::SearchCell cell(*ops, 4, /*c_pp=*/6, /*c_p=*/8, /*c=*/4, /*reduction=*/false, /*reduction_prev=*/true);
  cell->to(at::kDouble);
  const at::Tensor s0 = at::randn({2, 6, 8, 8}, at::kDouble), s1 = at::randn({2, 8, 4, 4}, at::kDouble);
  const at::Tensor w = random_weights(nhwc).detach();
  const at::Tensor out_nhwc = cell->forward(s0, s1, w, /*nhwc=*/true);
  EXPECT_TRUE(out_nhwc.is_contiguous(at::MemoryFormat::ChannelsLast));
  const at::Tensor out_nchw = cell->forward(s0, s1, w, /*nhwc=*/false);
  EXPECT_TRUE(out_nchw.is_contiguous());
  EXPECT_TRUE(at::allclose(out_nhwc, out_nchw, 1e-10, 1e-12));
}

}  // namespace

// The grouped BatchNorm of affine-free columns passes constant ones and zeros as weight and
// bias (ATen would make both on every forward and backward): the same numbers to the bit.
TEST(EdgeBatching, Batch_norm_with_unit_weight_and_zero_bias_is_bit_identical_to_no_affine) {
  for (const auto dtype : {at::kFloat, at::kDouble})
    for (const bool channels_last : {false, true}) {
      at::manual_seed(7);
      at::Tensor x = at::randn({6, 12, 5, 5}, at::TensorOptions().dtype(dtype));
      if (channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
      const at::Tensor up = at::randn_like(x);
      auto run = [&](bool constants, at::Tensor& mean, at::Tensor& var) {
        const at::Tensor in = x.detach().clone().requires_grad_(true);
        const auto opts = at::TensorOptions().dtype(dtype);
        const at::Tensor w = constants ? at::ones({12}, opts) : at::Tensor();
        const at::Tensor b = constants ? at::zeros({12}, opts) : at::Tensor();
        mean = at::zeros({12}, opts);
        var = at::ones({12}, opts);
        const at::Tensor y = at::batch_norm(in, w, b, mean, var, true, 0.1, 1e-5, false);
        (y * up).sum().backward();
        return std::make_pair(y.detach(), in.grad());
      };
      at::Tensor m1, v1, m2, v2;
      const auto [y1, g1] = run(false, m1, v1);
      const auto [y2, g2] = run(true, m2, v2);
      EXPECT_TRUE(at::equal(y1, y2)) << dtype << " channels_last=" << channels_last;
      EXPECT_TRUE(at::equal(g1, g2)) << dtype << " channels_last=" << channels_last;
      EXPECT_TRUE(at::equal(m1, m2) && at::equal(v1, v2));
    }
}

// The edge batches' concatenations (weights, inputs, the merged BatchNorms' input) give each
// input its gradient part as one view: the gradients of at::cat, in fewer ATen ops.
TEST(EdgeBatching, View_cat_gradients_equal_cat_gradients_in_fewer_ops) {
  torch::manual_seed(4);
  for (const int64_t dim : {0, 1, -1}) {
    std::vector<at::Tensor> a, b;
    for (int64_t i = 0; i < 4; ++i) {
      // Sizes differ along `dim`; the channel case in the channels-last layout.
      const at::Tensor t = dim == 0 ? at::randn({1 + i, 3, 4, 4}, at::kDouble)
                           : dim == 1
                               ? at::randn({2, 1 + i, 4, 4}, at::kDouble).contiguous(at::MemoryFormat::ChannelsLast)
                               : at::randn({2, 3, 4, 1 + i}, at::kDouble);
      a.push_back(t.detach().clone().requires_grad_(i != 2));  // one input needs no gradient
      b.push_back(t.detach().clone().requires_grad_(i != 2));
    }
    const at::Tensor y = nas::nn::view_cat(a, dim), z = at::cat(b, dim);
    ASSERT_TRUE(at::equal(y, z));
    const at::Tensor w = at::randn_like(z);
    const auto ops_view = nas::count_aten_ops([&] { (y * w).sum().backward(); }).total;
    const auto ops_cat = nas::count_aten_ops([&] { (z * w).sum().backward(); }).total;
    EXPECT_LT(ops_view, ops_cat) << "dim " << dim;
    for (size_t i = 0; i < a.size(); ++i) {
      if (i == 2) {
        EXPECT_FALSE(a[i].grad().defined());
        continue;
      }
      EXPECT_TRUE(at::equal(a[i].grad(), b[i].grad())) << "dim " << dim << ", input " << i;
    }
  }
  // One tensor is returned as it is; without gradients it is a plain cat.
  const at::Tensor x = at::randn({2, 2});
  EXPECT_TRUE(nas::nn::view_cat({x}, 0).is_same(x));
  EXPECT_TRUE(at::equal(nas::nn::view_cat({x, x}, 1), at::cat({x, x}, 1)));
}
