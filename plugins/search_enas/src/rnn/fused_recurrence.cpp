#include "rnn/fused_recurrence.hpp"

#include <algorithm>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace nas::enas {

std::optional<StockActivation> stock_activation(const std::string& name) {
  if (name == "tanh") return StockActivation::Tanh;
  if (name == "ReLU") return StockActivation::Relu;
  if (name == "identity") return StockActivation::Identity;
  if (name == "sigmoid") return StockActivation::Sigmoid;
  return std::nullopt;
}

void activate_(const at::Tensor& x, StockActivation a) {
  switch (a) {
    case StockActivation::Tanh:
      x.tanh_();
      break;
    case StockActivation::Relu:
      x.relu_();
      break;
    case StockActivation::Sigmoid:
      x.sigmoid_();
      break;
    case StockActivation::Identity:
      break;
  }
}

std::optional<RecurrencePlan> RecurrencePlan::make(const Dag& dag, const std::vector<std::string>& names,
                                                   const std::vector<std::optional<StockActivation>>& activations) {
  RecurrencePlan p;
  const int n = static_cast<int>(dag.size());
  p.num_nodes = n;
  p.parent.assign(n, -1);
  p.activation.assign(n, StockActivation::Identity);
  p.live.assign(n, false);
  p.group_of.assign(n, -1);
  p.index_in_group.assign(n, -1);
  for (int j = 0; j < n; ++j) {
    if (is_removed(dag[j])) continue;
    const auto it = std::find(names.begin(), names.end(), dag[j].activation);
    if (it == names.end()) return std::nullopt;
    const auto& kind = activations[static_cast<size_t>(it - names.begin())];
    if (!kind) return std::nullopt;
    p.live[j] = true;
    p.activation[j] = *kind;
    if (j > 0) p.parent[j] = dag[j].parent;
  }
  for (int par = 0; par < n; ++par) {
    Group g{par, {}};
    for (int j = par + 1; j < n; ++j)
      if (p.live[j] && p.parent[j] == par) {
        p.group_of[j] = static_cast<int>(p.groups.size());
        p.index_in_group[j] = static_cast<int>(g.children.size());
        g.children.push_back(j);
      }
    if (!g.children.empty()) p.groups.push_back(std::move(g));
  }
  p.leaves = nas::enas::leaves(dag);
  return p;
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// What the backward reads, kept by the forward (the activated GEMM outputs hold the gates
/// and the candidates, so nothing is recomputed).
struct Tape : torch::CustomClassHolder {
  RecurrencePlan plan;
  int64_t steps = 0, batch = 0, hidden = 0;
  at::Tensor w_rec;                                 ///< [2H, H]
  std::vector<at::Tensor> group_weight;             ///< per group: its children's weights stacked, [2H·k, H]
  std::vector<std::vector<at::Tensor>> gate, cand;  ///< [node][t]: the activated halves (views of the GEMM outputs)
  std::vector<std::vector<at::Tensor>> state;       ///< [node][t]: [B, H]
  std::vector<at::Tensor> h_in;                     ///< [t]: the hidden state entering timestep t
  std::vector<at::Tensor> factor;                   ///< [t]: the norm clamp's factor, [B, 1]
  at::Tensor inv_leaves;                            ///< 0-dim: 1 / number of leaves
};

/// The [rows, width] block at element `offset` of a buffer with row stride `row_stride`:
/// one as_strided (narrow, select and split cost three ops per piece).
at::Tensor block_at(const at::Tensor& buffer, int64_t rows, int64_t width, int64_t row_stride, int64_t offset) {
  return at::as_strided(buffer, {rows, width}, {row_stride, 1}, buffer.storage_offset() + offset);
}

/// `record`: keep on the tape what the backward reads (not without one to run).
RecurrenceResult run_forward(Tape& tp, const at::Tensor& x_proj, const at::Tensor& h0, double max_hidden_norm,
                             bool record) {
  const RecurrencePlan& pl = tp.plan;
  const int64_t T = tp.steps, B = tp.batch, H = tp.hidden;
  const int n = pl.num_nodes;
  const size_t G = pl.groups.size();
  const auto opts = x_proj.options();
  const at::Tensor w_rec_t = tp.w_rec.t();
  std::vector<at::Tensor> group_weight_t(G);
  for (size_t g = 0; g < G; ++g) group_weight_t[g] = tp.group_weight[g].t();
  tp.gate.assign(static_cast<size_t>(n), {});
  tp.cand.assign(static_cast<size_t>(n), {});
  tp.state.assign(static_cast<size_t>(n), {});
  const at::Tensor max_norm = at::scalar_tensor(max_hidden_norm, opts), eps = at::scalar_tensor(1e-12, opts),
                   one = at::scalar_tensor(1.0, opts);
  tp.inv_leaves = at::scalar_tensor(1.0 / static_cast<double>(pl.leaves.size()), opts);
  at::Tensor out = at::empty({B, T, H}, opts);

  // node j = lerp(parent, f(cand), sigmoid(gate)), gate and candidate activated in place
  auto gate_node = [&](int j, const at::Tensor& block, int64_t offset, const at::Tensor& parent) {
    const int64_t width = block.size(1);
    at::Tensor gate = block_at(block, B, H, width, offset), cand = block_at(block, B, H, width, offset + H);
    gate.sigmoid_();
    activate_(cand, pl.activation[j]);
    if (record) {
      tp.gate[static_cast<size_t>(j)].push_back(gate);
      tp.cand[static_cast<size_t>(j)].push_back(cand);
    }
    return at::lerp(parent, cand, gate);
  };
  at::Tensor h = h0;
  std::vector<at::Tensor> s(static_cast<size_t>(n));
  for (int64_t t = 0; t < T; ++t) {
    if (record) tp.h_in.push_back(h);
    const at::Tensor x_t = at::as_strided(x_proj, {B, 2 * H}, {x_proj.stride(1), x_proj.stride(2)},
                                          x_proj.storage_offset() + t * x_proj.stride(0));
    at::Tensor pre0 = at::addmm(x_t, h, w_rec_t);
    s[0] = gate_node(0, pre0, 0, h);
    for (size_t g = 0; g < G; ++g) {
      const auto& grp = pl.groups[g];
      at::Tensor block = at::mm(s[static_cast<size_t>(grp.parent)], group_weight_t[g]);
      for (size_t i = 0; i < grp.children.size(); ++i) {
        const int c = grp.children[i];
        s[static_cast<size_t>(c)] =
            gate_node(c, block, 2 * H * static_cast<int64_t>(i), s[static_cast<size_t>(grp.parent)]);
      }
    }
    at::Tensor slot = block_at(out, B, H, T * H, t * H);
    if (pl.leaves.size() == 1) {
      slot.copy_(s[static_cast<size_t>(pl.leaves[0])]);
    } else {
      at::add_out(slot, s[static_cast<size_t>(pl.leaves[0])], s[static_cast<size_t>(pl.leaves[1])]);
      for (size_t l = 2; l < pl.leaves.size(); ++l) slot.add_(s[static_cast<size_t>(pl.leaves[l])]);
      slot.mul_(tp.inv_leaves);
    }
    // Hidden-norm clamp: a constant factor (no gradient through it), as the per-op path.
    const at::Tensor& last = s[static_cast<size_t>(n - 1)];
    const at::Tensor norms = at::linalg_vector_norm(last, 2, {1}, true);
    at::Tensor factor = at::clamp_max(at::div(max_norm, at::add(norms, eps)), one);
    h = last * factor;
    if (!record) continue;
    tp.factor.push_back(factor);
    for (int j = 0; j < n; ++j)
      if (pl.live[j]) tp.state[static_cast<size_t>(j)].push_back(s[static_cast<size_t>(j)]);
  }
  return {out, h};
}

/// grad · a'(x) from the activation's output `out`.
at::Tensor activation_backward(const at::Tensor& grad, const at::Tensor& out, StockActivation a) {
  switch (a) {
    case StockActivation::Tanh:
      return at::tanh_backward(grad, out);
    case StockActivation::Relu:  // relu(x) > 0 exactly where x > 0
      return at::threshold_backward(grad, out, 0);
    case StockActivation::Sigmoid:
      return at::sigmoid_backward(grad, out);
    case StockActivation::Identity:
      break;
  }
  return grad;
}

/// Gradients of (x_proj, h0, w_rec, the edge weights in node order) from those of
/// (leaf_mean, next_hidden); either may be undefined (no gradient flows from it).
variable_list run_backward(const Tape& tp, const at::Tensor& g_out, const at::Tensor& g_next) {
  const RecurrencePlan& pl = tp.plan;
  const int64_t T = tp.steps, B = tp.batch, H = tp.hidden;
  const int n = pl.num_nodes;
  const size_t G = pl.groups.size();
  const auto opts = tp.w_rec.options();
  // Per timestep the gate | candidate pre-activation gradients, [B, 2H·k] per group as the
  // forward's GEMM output: node 0's are x_proj's, the groups' give the parents' state
  // gradients at once and the weight gradients at the end.
  std::vector<at::Tensor> d_x(static_cast<size_t>(T));
  std::vector<std::vector<at::Tensor>> d_pre(G, std::vector<at::Tensor>(static_cast<size_t>(T)));
  std::vector<std::vector<at::Tensor>> pieces(G);  // the group's [d_gate, d_cand] per child, in order
  std::vector<int> group_of_parent(static_cast<size_t>(n), -1);
  for (size_t g = 0; g < G; ++g) {
    group_of_parent[static_cast<size_t>(pl.groups[g].parent)] = static_cast<int>(g);
    pieces[g].resize(2 * pl.groups[g].children.size());
  }
  at::Tensor g_h = g_next;  // w.r.t. the hidden state leaving the timestep
  std::vector<at::Tensor> gs(static_cast<size_t>(n));
  std::vector<bool> owned(static_cast<size_t>(n));  // gs[j] is ours to add to in place
  auto accumulate = [&](int node, const at::Tensor& grad, bool grad_owned) {
    auto& acc = gs[static_cast<size_t>(node)];
    if (!acc.defined()) {
      acc = grad;
      owned[static_cast<size_t>(node)] = grad_owned;
    } else if (owned[static_cast<size_t>(node)]) {
      acc.add_(grad);
    } else {
      acc = acc + grad;
      owned[static_cast<size_t>(node)] = true;
    }
  };
  for (int64_t t = T - 1; t >= 0; --t) {
    const auto ts = static_cast<size_t>(t);
    std::fill(gs.begin(), gs.end(), at::Tensor());
    if (g_out.defined()) {
      at::Tensor g_leaf = at::as_strided(g_out, {B, H}, {g_out.stride(0), g_out.stride(2)},
                                         g_out.storage_offset() + t * g_out.stride(1));
      if (pl.leaves.size() > 1) g_leaf = g_leaf * tp.inv_leaves;
      for (int l : pl.leaves) accumulate(l, g_leaf, false);
    }
    if (g_h.defined()) accumulate(n - 1, g_h * tp.factor[ts], true);
    at::Tensor g_h_in;
    for (int j = n - 1; j >= 0; --j) {
      if (!pl.live[j]) continue;
      const auto js = static_cast<size_t>(j);
      auto& g = gs[js];
      if (const int pg = group_of_parent[js]; pg >= 0) {  // through the children's GEMM
        at::Tensor block = at::cat(pieces[static_cast<size_t>(pg)], 1);
        if (owned[js]) {
          g.addmm_(block, tp.group_weight[static_cast<size_t>(pg)]);
        } else {
          g = at::addmm(g, block, tp.group_weight[static_cast<size_t>(pg)]);
          owned[js] = true;
        }
        d_pre[static_cast<size_t>(pg)][ts] = std::move(block);
      }
      if (!g.defined()) g = at::zeros({B, H}, opts);  // a leaf whose output has no gradient
      const at::Tensor& gate = tp.gate[js][ts];
      const at::Tensor& cand = tp.cand[js][ts];
      const at::Tensor& parent = j == 0 ? tp.h_in[ts] : tp.state[static_cast<size_t>(pl.parent[j])][ts];
      // s = lerp(parent, cand, gate): ∂cand = g·gate, ∂gate = g·(cand − parent), ∂parent = g − g·gate
      const at::Tensor g_gate = g * gate;
      at::Tensor d_cand = activation_backward(g_gate, cand, pl.activation[j]);
      at::Tensor diff = cand - parent;
      diff.mul_(g);
      at::Tensor d_gate = at::sigmoid_backward(diff, gate);
      at::Tensor direct = g - g_gate;
      if (j == 0) {
        d_x[ts] = at::cat({d_gate, d_cand}, 1);
        g_h_in = direct;
        g_h_in.addmm_(d_x[ts], tp.w_rec);
      } else {
        auto& p = pieces[static_cast<size_t>(pl.group_of[j])];
        const auto i = static_cast<size_t>(2 * pl.index_in_group[j]);
        p[i] = std::move(d_gate);
        p[i + 1] = std::move(d_cand);
        accumulate(pl.parent[j], direct, true);
      }
    }
    g_h = g_h_in;
  }
  variable_list grads;
  const at::Tensor dx = at::cat(d_x, 0);  // [T·B, 2H]
  grads.push_back(dx.view({T, B, 2 * H}));
  grads.push_back(g_h);
  grads.push_back(at::mm(dx.t(), at::cat(tp.h_in, 0)));
  std::vector<at::Tensor> d_edge(static_cast<size_t>(n));
  for (size_t g = 0; g < G; ++g) {
    const auto& grp = pl.groups[g];
    const at::Tensor d_w = at::mm(at::cat(d_pre[g], 0).t(), at::cat(tp.state[static_cast<size_t>(grp.parent)], 0));
    for (size_t i = 0; i < grp.children.size(); ++i)
      d_edge[static_cast<size_t>(grp.children[i])] = d_w.narrow(0, 2 * H * static_cast<int64_t>(i), 2 * H);
  }
  for (int j = 1; j < n; ++j)
    if (pl.live[j]) grads.push_back(d_edge[static_cast<size_t>(j)]);
  return grads;
}

c10::intrusive_ptr<Tape> make_tape(const RecurrencePlan& plan, const at::Tensor& x_proj, const at::Tensor& w_rec,
                                   at::TensorList edge_weights) {
  auto tp = c10::make_intrusive<Tape>();
  tp->plan = plan;
  tp->steps = x_proj.size(0);
  tp->batch = x_proj.size(1);
  tp->hidden = w_rec.size(1);
  tp->w_rec = w_rec;
  std::vector<int> edge_index(static_cast<size_t>(plan.num_nodes), -1);  // node -> its weight in edge_weights
  int k = 0;
  for (int j = 1; j < plan.num_nodes; ++j)
    if (plan.live[j]) edge_index[static_cast<size_t>(j)] = k++;
  for (const auto& grp : plan.groups) {
    std::vector<at::Tensor> ws;
    for (int c : grp.children) ws.push_back(edge_weights[static_cast<size_t>(edge_index[static_cast<size_t>(c)])]);
    tp->group_weight.push_back(ws.size() == 1 ? ws[0] : at::cat(ws, 0));
  }
  return tp;
}

struct SharedRecurrence : public torch::autograd::Function<SharedRecurrence> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x_proj, const at::Tensor& h0,
                               const at::Tensor& w_rec, at::TensorList edge_weights, const RecurrencePlan* plan,
                               double max_hidden_norm) {
    ctx->set_materialize_grads(false);
    auto tp = make_tape(*plan, x_proj, w_rec, edge_weights);
    RecurrenceResult r = run_forward(*tp, x_proj, h0, max_hidden_norm, true);
    ctx->saved_data["tape"] = c10::IValue::make_capsule(tp);
    return {r.leaf_mean, r.next_hidden};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    const c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);  // as the forward
    const auto tp = c10::static_intrusive_pointer_cast<Tape>(ctx->saved_data["tape"].toCapsule());
    variable_list grads = run_backward(*tp, grad_out[0], grad_out[1]);
    grads.emplace_back();  // plan
    grads.emplace_back();  // max_hidden_norm
    return grads;
  }
};

}  // namespace

RecurrenceResult fused_recurrence(const RecurrencePlan& plan, const at::Tensor& x_proj, const at::Tensor& h0,
                                  const at::Tensor& w_rec, const std::vector<at::Tensor>& edge_weights,
                                  double max_hidden_norm) {
  // Under autocast (--precision bf16) the input projection arrives in bfloat16: the
  // recurrence, whose kernels autocast does not know, runs in its weights' type.
  const at::Tensor x = x_proj.scalar_type() == w_rec.scalar_type() ? x_proj : x_proj.to(w_rec.scalar_type());
  const c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
  bool needs_grad = x.requires_grad() || h0.requires_grad() || w_rec.requires_grad();
  for (const auto& w : edge_weights) needs_grad = needs_grad || w.requires_grad();
  if (torch::autograd::GradMode::is_enabled() && needs_grad) {
    auto out = SharedRecurrence::apply(x, h0, w_rec, at::TensorList(edge_weights), &plan, max_hidden_norm);
    return {out[0], out[1]};
  }
  at::NoGradGuard no_grad;
  auto tp = make_tape(plan, x, w_rec, edge_weights);
  return run_forward(*tp, x, h0, max_hidden_norm, false);
}

}  // namespace nas::enas
