#include "edge_batch.hpp"

#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <algorithm>
#include <atomic>
#include <variant>

#include "nashost/error.hpp"
#include "nashost/nn/batchnorm_merge.hpp"
#include "nashost/nn/darts_ops.hpp"
#include "nashost/nn/dilated_conv.hpp"
#include "nashost/nn/layout.hpp"
#include "nashost/nn/view_cat.hpp"

namespace nas::nn {

namespace {
std::atomic<BatchNormMerge> g_batchnorm_merge{BatchNormMerge::Auto};
}  // namespace

void set_batchnorm_merge(BatchNormMerge mode) { g_batchnorm_merge = mode; }
BatchNormMerge batchnorm_merge() { return g_batchnorm_merge; }

namespace {

/// The edges' inputs, concatenated along channels once and shared by all op columns.
struct BatchInput {
  const std::vector<at::Tensor>& xs;
  /// Keep every column's input dense channels-last (see EdgeBatch::forward).
  bool channels_last = false;
  at::Tensor raw_cat, relu_cat;
  int64_t k() const { return static_cast<int64_t>(xs.size()); }
  at::MemoryFormat memory_format() const {
    return channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  }
  const at::Tensor& raw() {
    if (!raw_cat.defined()) {
      raw_cat = view_cat(xs, 1);
      // Node states are strided slices of a sum; oneDNN takes its fast depthwise and
      // pooling paths only for dense channels-last input.
      if (channels_last) raw_cat = to_channels_last(raw_cat);
    }
    return raw_cat;
  }
  /// relu(cat(x)) = cat(relu(x)): one kernel for every conv op of every edge of the batch.
  const at::Tensor& relu() {
    if (!relu_cat.defined()) relu_cat = at::relu(raw());
    return relu_cat;
  }
};

template <class Get>
at::Tensor cat_each(size_t k, Get get) {
  std::vector<at::Tensor> ts;
  ts.reserve(k);
  for (size_t i = 0; i < k; ++i) ts.push_back(get(i));
  return view_cat(ts, 0);
}

bool is_view_of(const at::Tensor& t, const at::Tensor& base, int64_t offset) {
  return t.defined() && base.defined() && t.is_alias_of(base) && t.device() == base.device() &&
         t.storage_offset() == base.storage_offset() + offset;
}

}  // namespace

/// The num_batches_tracked counters of all BNs of a batch as views of one tensor: a
/// training forward steps them all with one kernel (each BN would launch its own).
class EdgeBatch::Counter {
 public:
  void add(const std::vector<torch::nn::BatchNorm2d>& bns) {
    for (const auto& b : bns)
      if (b->options.track_running_stats()) members_.push_back(b);
  }
  /// +1 for every member, as each BN's own training forward would do.
  void step() {
    if (members_.empty() || !members_[0]->is_training()) return;
    bool shared = true;
    for (size_t i = 0; i < members_.size() && shared; ++i)
      shared = is_view_of(members_[i]->num_batches_tracked, base_, static_cast<int64_t>(i));
    if (!shared) {  // first use, or something replaced the buffers (Module::to, loading)
      std::vector<at::Tensor> counts;
      for (const auto& b : members_) counts.push_back(b->num_batches_tracked.reshape({1}));
      base_ = at::cat(counts, 0);
      for (size_t i = 0; i < members_.size(); ++i)
        members_[i]->num_batches_tracked.set_data(base_.select(0, static_cast<int64_t>(i)));
    }
    base_.add_(1);
  }

 private:
  std::vector<torch::nn::BatchNorm2d> members_;
  at::Tensor base_;
};

namespace {

/// k BatchNorm2d modules (one per edge) as one batch_norm over k·C channels. Their step
/// counters are stepped by the batch's Counter.
class GroupedBatchNorm {
 public:
  GroupedBatchNorm(std::vector<torch::nn::BatchNorm2d> members, EdgeBatch::Counter& counter) : m_(std::move(members)) {
    counter.add(m_);
  }
  /// Members already counted by their own GroupedBatchNorms (EdgeBatch::Tails).
  explicit GroupedBatchNorm(std::vector<torch::nn::BatchNorm2d> members) : m_(std::move(members)) {}

  const std::vector<torch::nn::BatchNorm2d>& members() const { return m_; }

  /// Same options everywhere and a fixed momentum; otherwise the column runs per edge.
  static bool compatible(const std::vector<torch::nn::BatchNorm2d>& m) {
    if (m.empty() || !m[0]) return false;
    const auto& o = m[0]->options;
    for (const auto& b : m) {
      if (!b) return false;
      const auto& p = b->options;
      if (p.num_features() != o.num_features() || p.eps() != o.eps() || p.momentum() != o.momentum() ||
          p.affine() != o.affine() || p.track_running_stats() != o.track_running_stats())
        return false;
    }
    return o.momentum().has_value();
  }

  at::Tensor forward(const at::Tensor& x) {
    const auto& o = m_[0]->options;
    const bool training = m_[0]->is_training();
    at::Tensor weight, bias;
    if (o.affine()) {
      weight = cat_each(m_.size(), [&](size_t i) { return m_[i]->weight; });
      bias = cat_each(m_.size(), [&](size_t i) { return m_[i]->bias; });
    } else {
      // Without them, ATen makes a ones and a zeros tensor on every forward and every backward
      // (~8 ops per call); constant ones and zeros that need no gradient give the same result.
      // In the running statistics' type: float32 also for bfloat16 input (--precision bf16),
      // as batch_norm takes reduced-precision input only with float32 parameters.
      const int64_t n = x.size(1);
      const auto dtype = at::isReducedFloatingType(x.scalar_type()) ? at::kFloat : x.scalar_type();
      if (!unit_weight_.defined() || unit_weight_.size(0) != n || unit_weight_.scalar_type() != dtype ||
          unit_weight_.device() != x.device()) {
        unit_weight_ = at::ones({n}, at::TensorOptions().dtype(dtype).device(x.device()));
        zero_bias_ = at::zeros({n}, at::TensorOptions().dtype(dtype).device(x.device()));
      }
      weight = unit_weight_;
      bias = zero_bias_;
    }
    if (o.track_running_stats()) share_buffers();
    return at::batch_norm(x, weight, bias, mean_, var_, training || !o.track_running_stats(), *o.momentum(), o.eps(),
                          at::globalContext().userEnabledCuDNN());
  }

 private:
  /// Makes the members' running statistics views of mean_/var_ (after copying their
  /// current values), unless they already are.
  void share_buffers() {
    const int64_t c = m_[0]->options.num_features();
    bool shared = true;
    for (size_t i = 0; i < m_.size() && shared; ++i) {
      const auto n = static_cast<int64_t>(i);
      shared = is_view_of(m_[i]->running_mean, mean_, n * c) && is_view_of(m_[i]->running_var, var_, n * c);
    }
    if (shared) return;
    std::vector<at::Tensor> means, vars;
    for (auto& b : m_) {
      means.push_back(b->running_mean);
      vars.push_back(b->running_var);
    }
    // Fresh tensors even for k = 1: the base must own its storage.
    mean_ = at::cat(means, 0);
    var_ = at::cat(vars, 0);
    for (size_t i = 0; i < m_.size(); ++i) {
      const auto n = static_cast<int64_t>(i);
      m_[i]->running_mean.set_data(mean_.narrow(0, n * c, c));
      m_[i]->running_var.set_data(var_.narrow(0, n * c, c));
    }
  }

  std::vector<torch::nn::BatchNorm2d> m_;
  at::Tensor mean_, var_;
  at::Tensor unit_weight_, zero_bias_;  ///< affine = false: constant 1 and 0 per channel
};

/// Plain integer pair of a Conv2d's padding; false for 'same'/'valid' or non-zero padding modes.
bool explicit_padding(const torch::nn::detail::ConvNdOptions<2>& o, std::vector<int64_t>& out) {
  if (!std::holds_alternative<torch::ExpandingArray<2>>(o.padding())) return false;
  if (!std::holds_alternative<torch::enumtype::kZeros>(o.padding_mode())) return false;
  const auto& p = std::get<torch::ExpandingArray<2>>(o.padding());
  out = {p->at(0), p->at(1)};
  return true;
}

/// k convolutions with identical options, one per edge, as one grouped convolution over
/// the edges' channel blocks.
class GroupedConv {
 public:
  static bool compatible(const std::vector<torch::nn::Conv2d>& convs) {
    const auto& o = convs[0]->options;
    std::vector<int64_t> pad0;
    if (!explicit_padding(o, pad0)) return false;
    for (const auto& c : convs) {
      const auto& p = c->options;
      std::vector<int64_t> pad;
      if (!explicit_padding(p, pad) || pad != pad0 || p.in_channels() != o.in_channels() ||
          p.out_channels() != o.out_channels() || *p.kernel_size() != *o.kernel_size() || *p.stride() != *o.stride() ||
          *p.dilation() != *o.dilation() || p.groups() != o.groups() || p.bias() != o.bias())
        return false;
    }
    return true;
  }

  explicit GroupedConv(std::vector<torch::nn::Conv2d> convs) : c_(std::move(convs)) {
    explicit_padding(c_[0]->options, padding_);
  }

  /// x: [N, k·Cin, H, W] in edge blocks → [N, k·Cout, H', W'].
  at::Tensor forward(const at::Tensor& x) const {
    const auto& o = c_[0]->options;
    const at::Tensor w = cat_each(c_.size(), [&](size_t i) { return c_[i]->weight; });
    at::Tensor b;
    if (o.bias()) b = cat_each(c_.size(), [&](size_t i) { return c_[i]->bias; });
    const auto k = static_cast<int64_t>(c_.size());
    return conv2d_dilated(x, w, b, *o.stride(), padding_, *o.dilation(), o.groups() * k);
  }

 private:
  std::vector<torch::nn::Conv2d> c_;
  std::vector<int64_t> padding_;
};

template <class T>
std::vector<const T*> cast_all(const std::vector<std::shared_ptr<Op>>& ops) {
  std::vector<const T*> out;
  for (const auto& op : ops) {
    const T* t = dynamic_cast<const T*>(op.get());
    if (!t || typeid(*op) != typeid(T)) return {};  // a subclass may forward differently
    out.push_back(t);
  }
  return out;
}

template <class T, class Get>
auto gather(const std::vector<const T*>& ops, Get get) {
  std::vector<std::decay_t<decltype(get(*ops[0]))>> out;
  for (const T* op : ops) out.push_back(get(*op));
  return out;
}

/// ReLU is applied by the caller: depthwise → pointwise → BN, all grouped.
class GroupedDilConv {
 public:
  static bool compatible(const std::vector<const DilConv*>& ops) {
    return !ops.empty() && GroupedConv::compatible(gather(ops, [](const DilConv& d) { return d.depthwise(); })) &&
           GroupedConv::compatible(gather(ops, [](const DilConv& d) { return d.pointwise(); })) &&
           GroupedBatchNorm::compatible(gather(ops, [](const DilConv& d) { return d.bn(); }));
  }
  GroupedDilConv(const std::vector<const DilConv*>& ops, EdgeBatch::Counter& counter)
      : depthwise_(gather(ops, [](const DilConv& d) { return d.depthwise(); })),
        pointwise_(gather(ops, [](const DilConv& d) { return d.pointwise(); })),
        bn_(gather(ops, [](const DilConv& d) { return d.bn(); }), counter) {}
  at::Tensor forward(const at::Tensor& relu_x) { return bn_.forward(before_bn(relu_x)); }
  at::Tensor before_bn(const at::Tensor& relu_x) const { return pointwise_.forward(depthwise_.forward(relu_x)); }
  const GroupedBatchNorm& bn() const { return bn_; }

 private:
  GroupedConv depthwise_, pointwise_;
  GroupedBatchNorm bn_;
};

}  // namespace

class EdgeBatch::Column {
 public:
  virtual ~Column() = default;
  /// The op's output for every edge, [N, k·C, H', W'] in edge blocks.
  virtual at::Tensor run(BatchInput& in) = 0;
  /// A column whose op ends in a BatchNorm: that BatchNorm of every edge, so that the batch
  /// can run the final BatchNorms of all such columns as one (EdgeBatch::Tails); null: none.
  virtual const GroupedBatchNorm* tail() const { return nullptr; }
  /// run() without the tail.
  virtual at::Tensor run_before_tail(BatchInput& in) { return run(in); }
};

namespace {

class IdentityColumn : public EdgeBatch::Column {
 public:
  at::Tensor run(BatchInput& in) override { return in.raw(); }
};

class PoolColumn : public EdgeBatch::Column {
 public:
  static bool compatible(const std::vector<const PoolOp*>& ops) {
    if (ops.empty()) return false;
    const bool with_bn = static_cast<bool>(ops[0]->bn());
    for (const auto* p : ops)
      if (static_cast<bool>(p->bn()) != with_bn) return false;
    return !with_bn || GroupedBatchNorm::compatible(gather(ops, [](const PoolOp& p) { return p.bn(); }));
  }
  PoolColumn(const std::vector<const PoolOp*>& ops, EdgeBatch::Counter& counter) : first_(ops[0]) {
    if (ops[0]->bn()) bn_.emplace(gather(ops, [](const PoolOp& p) { return p.bn(); }), counter);
  }
  at::Tensor run(BatchInput& in) override {
    const at::Tensor y = run_before_tail(in);
    return bn_ ? bn_->forward(y) : y;
  }
  // The edges' pools share kind and stride (same op of one set): pooling is per channel.
  at::Tensor run_before_tail(BatchInput& in) override { return first_->pool(in.raw()); }
  const GroupedBatchNorm* tail() const override { return bn_ ? &*bn_ : nullptr; }

 private:
  const PoolOp* first_;
  std::optional<GroupedBatchNorm> bn_;
};

class DilConvColumn : public EdgeBatch::Column {
 public:
  DilConvColumn(const std::vector<const DilConv*>& ops, EdgeBatch::Counter& counter) : conv_(ops, counter) {}
  at::Tensor run(BatchInput& in) override { return conv_.forward(in.relu()); }
  at::Tensor run_before_tail(BatchInput& in) override { return conv_.before_bn(in.relu()); }
  const GroupedBatchNorm* tail() const override { return &conv_.bn(); }

 private:
  GroupedDilConv conv_;
};

class SepConvColumn : public EdgeBatch::Column {
 public:
  static std::vector<const DilConv*> firsts(const std::vector<const SepConv*>& ops) {
    return gather(ops, [](const SepConv& s) { return &s.first(); });
  }
  static std::vector<const DilConv*> seconds(const std::vector<const SepConv*>& ops) {
    return gather(ops, [](const SepConv& s) { return &s.second(); });
  }
  static bool compatible(const std::vector<const SepConv*>& ops) {
    return !ops.empty() && GroupedDilConv::compatible(firsts(ops)) && GroupedDilConv::compatible(seconds(ops));
  }
  SepConvColumn(const std::vector<const SepConv*>& ops, EdgeBatch::Counter& counter)
      : first_(firsts(ops), counter), second_(seconds(ops), counter) {}
  at::Tensor run(BatchInput& in) override { return second_.forward(at::relu(first_.forward(in.relu()))); }
  at::Tensor run_before_tail(BatchInput& in) override { return second_.before_bn(at::relu(first_.forward(in.relu()))); }
  const GroupedBatchNorm* tail() const override { return &second_.bn(); }

 private:
  GroupedDilConv first_, second_;
};

class FactorizedReduceColumn : public EdgeBatch::Column {
 public:
  static bool compatible(const std::vector<const FactorizedReduce*>& ops) {
    return !ops.empty() && GroupedConv::compatible(gather(ops, [](const FactorizedReduce& f) { return f.conv1(); })) &&
           GroupedConv::compatible(gather(ops, [](const FactorizedReduce& f) { return f.conv2(); })) &&
           GroupedBatchNorm::compatible(gather(ops, [](const FactorizedReduce& f) { return f.bn(); }));
  }
  FactorizedReduceColumn(const std::vector<const FactorizedReduce*>& ops, EdgeBatch::Counter& counter)
      : conv1_(gather(ops, [](const FactorizedReduce& f) { return f.conv1(); })),
        conv2_(gather(ops, [](const FactorizedReduce& f) { return f.conv2(); })),
        bn_(gather(ops, [](const FactorizedReduce& f) { return f.bn(); }), counter) {}
  at::Tensor run(BatchInput& in) override { return bn_.forward(run_before_tail(in)); }
  at::Tensor run_before_tail(BatchInput& in) override {
    using at::indexing::Slice;
    const at::Tensor& r = in.relu();
    const at::Tensor a = conv1_.forward(r);
    const at::Tensor b = conv2_.forward(r.index({Slice(), Slice(), Slice(1), Slice(1)}));
    // Per edge: [conv1 half, conv2 half] — interleave the two halves edge by edge.
    const int64_t n = a.size(0), k = in.k(), h = a.size(2), w = a.size(3);
    const at::Tensor both = at::cat({a.reshape({n, k, -1, h, w}), b.reshape({n, k, -1, h, w})}, 2);
    return both.reshape({n, -1, h, w}).contiguous(in.memory_format());
  }
  const GroupedBatchNorm* tail() const override { return &bn_; }

 private:
  GroupedConv conv1_, conv2_;
  GroupedBatchNorm bn_;
};

/// Any other op: edge by edge, outputs concatenated.
class PerEdgeColumn : public EdgeBatch::Column {
 public:
  explicit PerEdgeColumn(std::vector<std::shared_ptr<Op>> ops) : ops_(std::move(ops)) {}
  at::Tensor run(BatchInput& in) override {
    std::vector<at::Tensor> ys;
    for (size_t i = 0; i < ops_.size(); ++i) ys.push_back(ops_[i]->forward(in.xs[i]));
    return ys.size() == 1 ? ys[0] : at::cat(ys, 1);
  }

 private:
  std::vector<std::shared_ptr<Op>> ops_;
};

std::unique_ptr<EdgeBatch::Column> make_column(const std::vector<std::shared_ptr<Op>>& ops, EdgeBatch::Counter& c) {
  if (!cast_all<IdentityOp>(ops).empty()) return std::make_unique<IdentityColumn>();
  if (auto p = cast_all<PoolOp>(ops); PoolColumn::compatible(p)) return std::make_unique<PoolColumn>(p, c);
  if (auto d = cast_all<DilConv>(ops); !d.empty() && GroupedDilConv::compatible(d))
    return std::make_unique<DilConvColumn>(d, c);
  if (auto s = cast_all<SepConv>(ops); SepConvColumn::compatible(s)) return std::make_unique<SepConvColumn>(s, c);
  if (auto f = cast_all<FactorizedReduce>(ops); FactorizedReduceColumn::compatible(f))
    return std::make_unique<FactorizedReduceColumn>(f, c);
  return std::make_unique<PerEdgeColumn>(ops);
}

}  // namespace

/// The final BatchNorms of every column that ends in one (pools, separable and dilated
/// convolutions, factorized reduce: six or seven of a DARTS cell's eight ops) as ONE
/// batch_norm over their outputs concatenated, and their weighted sum as one product and sum
/// over the columns: per batch and pass ~130 ATen ops fewer than a batch_norm and a mix per
/// column (~30 each, forward and backward). Per channel the same statistics; the sum over the
/// ops adds in another order (equal to rounding).
class EdgeBatch::Tails {
 public:
  /// Null unless at least two columns end in BatchNorms with the same options.
  static std::unique_ptr<Tails> make(const std::vector<std::unique_ptr<Column>>& columns) {
    std::vector<size_t> idx;
    std::vector<torch::nn::BatchNorm2d> members;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (!columns[c] || !columns[c]->tail()) continue;
      idx.push_back(c);
      const auto& m = columns[c]->tail()->members();
      members.insert(members.end(), m.begin(), m.end());
    }
    if (idx.size() < 2 || !GroupedBatchNorm::compatible(members)) return nullptr;
    return std::unique_ptr<Tails>(new Tails(std::move(idx), std::move(members)));
  }

  bool covers(size_t column) const { return std::find(columns_.begin(), columns_.end(), column) != columns_.end(); }

  /// Σ over the tail columns of w_o · BN(o(x)) for every edge, [N, k, C, H', W'].
  at::Tensor forward(const std::vector<std::unique_ptr<Column>>& columns, BatchInput& in, const at::Tensor& w) {
    std::vector<at::Tensor> pre;
    pre.reserve(columns_.size());
    for (size_t c : columns_) pre.push_back(columns[c]->run_before_tail(in));
    const at::Tensor z = bn_.forward(view_cat(pre, 1));
    const int64_t n = z.size(0), t = static_cast<int64_t>(columns_.size()), k = in.k();
    const at::Tensor z6 = z.view({n, t, k, z.size(1) / (t * k), z.size(2), z.size(3)});
    if (!index_.defined() || index_.device() != w.device()) {
      std::vector<int64_t> cols(columns_.begin(), columns_.end());
      index_ = at::tensor(cols, at::TensorOptions().dtype(at::kLong)).to(w.device());
    }
    // the columns' weights, [k, t] or per example [N, k, t] → [1 or N, t, k, 1, 1, 1]
    const at::Tensor wt = at::index_select(w, -1, index_);
    const at::Tensor w6 =
        w.dim() == 3 ? wt.transpose(1, 2).reshape({-1, t, k, 1, 1, 1}) : wt.t().reshape({1, t, k, 1, 1, 1});
    return (z6 * w6).sum(1);
  }

 private:
  Tails(std::vector<size_t> columns, std::vector<torch::nn::BatchNorm2d> members)
      : columns_(std::move(columns)), bn_(std::move(members)) {}

  std::vector<size_t> columns_;
  GroupedBatchNorm bn_;  ///< every tail column's members, column by column (counted by the columns)
  at::Tensor index_;     ///< columns_ as an index of the op weights, on their device
};

EdgeBatch::EdgeBatch(std::vector<std::vector<std::shared_ptr<Op>>> edge_ops)
    : edge_ops_(std::move(edge_ops)), counter_(std::make_unique<Counter>()) {
  if (edge_ops_.empty()) throw Error("EdgeBatch: no edges");
  const size_t num_ops = edge_ops_[0].size();
  for (const auto& e : edge_ops_)
    if (e.size() != num_ops) throw Error("EdgeBatch: edges with different op counts");
  for (size_t o = 0; o < num_ops; ++o) {
    std::vector<std::shared_ptr<Op>> column;
    bool zero = true;
    for (const auto& e : edge_ops_) {
      column.push_back(e[o]);
      zero = zero && e[o]->is_zero();
    }
    columns_.push_back(zero ? nullptr : make_column(column, *counter_));
  }
  tails_ = Tails::make(columns_);
}

EdgeBatch::~EdgeBatch() = default;

at::Tensor EdgeBatch::forward(const std::vector<at::Tensor>& xs, const at::Tensor& w, bool channels_last) {
  const int64_t k = size();
  if (static_cast<int64_t>(xs.size()) != k) throw Error("EdgeBatch: expected one input per edge");
  const bool per_example = w.dim() == 3;
  counter_->step();
  BatchInput in{xs};
  in.channels_last = channels_last;
  const BatchNormMerge merge = batchnorm_merge();
  const bool merged = tails_ && (merge == BatchNormMerge::On || (merge == BatchNormMerge::Auto && xs[0].is_cuda()));
  at::Tensor out;
  if (merged) out = tails_->forward(columns_, in, w);
  // unbind, not select: its backward is one stack, where each select's backward would
  // zero-fill a tensor of w's shape.
  std::vector<at::Tensor> w_ops;
  for (size_t o = 0; o < columns_.size(); ++o) {
    if (!columns_[o]) continue;  // the zero op contributes exactly nothing
    if (merged && tails_->covers(o)) continue;
    if (w_ops.empty()) w_ops = w.unbind(-1);
    const at::Tensor y = columns_[o]->run(in);
    const at::Tensor y5 = y.view({y.size(0), k, y.size(1) / k, y.size(2), y.size(3)});
    const at::Tensor wo = per_example ? w_ops[o].reshape({-1, k, 1, 1, 1}) : w_ops[o].reshape({1, k, 1, 1, 1});
    // out + y·w as a product and a sum, not addcmul: addcmul's backward multiplies by its
    // scalar factor (1) and turns it into a tensor for both operands on every call — ten ATen
    // ops per op and batch where MulBackward takes two; one op more forward.
    out = out.defined() ? out + y5 * wo : y5 * wo;
  }
  // The gradients of the node states come back through `stack` (unbind's backward) in
  // NCHW order: keep the batch's output gradient dense channels-last (nashost/nn/layout.hpp).
  if (in.channels_last && out.defined()) keep_gradient_layout(out);
  if (!out.defined()) {  // a set of only zero ops: zeros of the right shape
    std::vector<at::Tensor> ys;
    for (int64_t i = 0; i < k; ++i)
      ys.push_back(edge_ops_[static_cast<size_t>(i)][0]->forward(xs[static_cast<size_t>(i)]));
    return at::stack(ys, 1);
  }
  return out;
}

}  // namespace nas::nn
