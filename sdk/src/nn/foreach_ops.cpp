#include "nashost/nn/foreach_ops.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "flat_buffers.hpp"
#include "nashost/error.hpp"
#include "nashost/nn/step_graph.hpp"

namespace nas::nn {

namespace {

/// Indices of `ts` grouped by (device, dtype).
std::vector<std::vector<size_t>> same_kind_groups(const std::vector<at::Tensor>& ts) {
  std::map<std::tuple<int, int, int>, std::vector<size_t>> groups;
  for (size_t i = 0; i < ts.size(); ++i) {
    const auto& d = ts[i].device();
    groups[{static_cast<int>(d.type()), static_cast<int>(d.index()), static_cast<int>(ts[i].scalar_type())}].push_back(
        i);
  }
  std::vector<std::vector<size_t>> out;
  for (auto& [key, idx] : groups) out.push_back(std::move(idx));
  return out;
}

std::vector<at::Tensor> pick(const std::vector<at::Tensor>& ts, const std::vector<size_t>& idx) {
  std::vector<at::Tensor> out;
  out.reserve(idx.size());
  for (size_t i : idx) out.push_back(ts[i]);
  return out;
}

/// sgd_step on parameters and gradients that each lie in one buffer (zero_flat_grads): the
/// per-tensor path's arithmetic, term by term, as one op on the whole buffer. The momentum
/// buffers are gathered into one buffer the first time they are not (a checkpoint load gives
/// each its own storage). false: not that case, nothing done.
bool flat_sgd_step(const std::vector<at::Tensor>& ps, const std::vector<at::Tensor>& gs,
                   const torch::optim::SGDOptions& o, const at::Tensor& lr,
                   ska::flat_hash_map<void*, std::unique_ptr<torch::optim::OptimizerParamState>>& state) {
  const auto fp = flat_view(ps), fg = flat_view(gs);
  if (!fp || !fg || fp->numel() != fg->numel()) return false;
  std::vector<torch::optim::SGDParamState*> states;
  std::vector<at::Tensor> bufs;
  if (o.momentum() != 0) {
    for (const auto& p : ps) {
      auto it = state.find(p.unsafeGetTensorImpl());
      if (it == state.end()) continue;
      states.push_back(static_cast<torch::optim::SGDParamState*>(it->second.get()));
      bufs.push_back(states.back()->momentum_buffer());
    }
    if (!states.empty() && states.size() != ps.size()) return false;  // some first steps: per tensor
  }
  at::Tensor d_p = o.weight_decay() != 0 ? fg->add(*fp, o.weight_decay()) : *fg;
  if (o.momentum() != 0) {
    at::Tensor buf;
    if (states.empty()) {  // every parameter's first step: buf = d_p
      buf = d_p.clone();
      const auto views = views_like(buf, ps);
      for (size_t i = 0; i < ps.size(); ++i) {
        auto st = std::make_unique<torch::optim::SGDParamState>();
        st->momentum_buffer(views[i]);
        state[ps[i].unsafeGetTensorImpl()] = std::move(st);
      }
    } else {
      if (const auto fb = flat_view(bufs)) {
        buf = *fb;
      } else {
        buf = flat_copy(bufs);
        const auto views = views_like(buf, ps);
        for (size_t i = 0; i < ps.size(); ++i) states[i]->momentum_buffer(views[i]);
      }
      if (buf.is_cpu())  // as the per-tensor path: the same products
        buf.mul_(at::scalar_tensor(o.momentum(), buf.options()));
      else
        buf.mul_(o.momentum());
      buf.add_(d_p, 1.0 - o.dampening());
    }
    d_p = o.nesterov() ? d_p.add(buf, o.momentum()) : buf;
  }
  if (lr.defined())
    fp->sub_(d_p * lr);
  else
    fp->add_(d_p, -o.lr());
  return true;
}

}  // namespace

std::optional<at::Tensor> flat_view(const std::vector<at::Tensor>& ts) {
  if (ts.empty() || !ts[0].defined()) return std::nullopt;
  const auto* storage = ts[0].storage().unsafeGetStorageImpl();
  int64_t next = ts[0].storage_offset();
  for (const auto& t : ts) {
    if (!t.defined() || t.layout() != at::kStrided || t.storage().unsafeGetStorageImpl() != storage ||
        t.storage_offset() != next || t.scalar_type() != ts[0].scalar_type() || !t.is_contiguous())
      return std::nullopt;
    next += t.numel();
  }
  return at::as_strided(ts[0], {next - ts[0].storage_offset()}, {1}, ts[0].storage_offset());
}

std::vector<at::Tensor> views_like(const at::Tensor& flat, const std::vector<at::Tensor>& like) {
  std::vector<at::Tensor> out;
  out.reserve(like.size());
  int64_t offset = flat.storage_offset();
  for (const auto& t : like) {
    out.push_back(at::as_strided(flat, t.sizes(), c10::contiguous_strides(t.sizes()), offset));
    offset += t.numel();
  }
  return out;
}

at::Tensor flat_copy(const std::vector<at::Tensor>& ts) {
  std::vector<at::Tensor> rows;
  rows.reserve(ts.size());
  for (const auto& t : ts) rows.push_back(t.is_contiguous() ? t.view({-1}) : t.reshape({-1}));
  return at::cat(rows, 0);
}

void zero_flat_grads(const std::vector<at::Tensor>& params) {
  if (params.empty()) return;
  at::NoGradGuard guard;
  for (const auto& p : params)
    if (!p.defined() || p.layout() != at::kStrided || p.device() != params[0].device() ||
        p.scalar_type() != params[0].scalar_type())
      throw Error("zero_flat_grads: the parameters must be dense tensors of one device and type");
  std::optional<at::Tensor> flat = flat_view(params);
  if (!flat) {  // lay them out one after another (once; again after a checkpoint load replaced them)
    const auto views = views_like(flat_copy(params), params);
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor p = params[i];  // the same tensor: its data now lives in the buffer
      p.set_data(views[i]);
    }
    flat = flat_view(params);
  }
  std::vector<at::Tensor> grads;
  for (const auto& p : params) grads.push_back(p.grad());
  if (const auto g = flat_view(grads); g && g->numel() == flat->numel()) {
    g->zero_();
    return;
  }
  const auto views = views_like(at::zeros({flat->numel()}, flat->options()), params);
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor p = params[i];
    p.mutable_grad() = views[i];
  }
}

void copy_all(const std::vector<at::Tensor>& dst, const std::vector<at::Tensor>& src) {
  if (dst.size() != src.size()) throw Error("copy_all: lists of different lengths");
  at::NoGradGuard guard;
  for (const auto& idx : same_kind_groups(dst)) {
    auto d = pick(dst, idx), s = pick(src, idx);
    bool same_sizes = true;  // element by element: the flat copy pairs them as the list does
    for (size_t i = 0; i < d.size() && same_sizes; ++i) same_sizes = d[i].sizes() == s[i].sizes();
    const auto fd = same_sizes ? flat_view(d) : std::nullopt;
    const auto fs = fd ? flat_view(s) : std::nullopt;
    if (fd && fs && fs->scalar_type() == fd->scalar_type())
      fd->copy_(*fs);
    else
      at::_foreach_copy_(d, s);
  }
}

std::vector<at::Tensor> clone_all(const std::vector<at::Tensor>& ts) {
  if (const auto f = flat_view(ts)) {  // one copy; the copies lie in one buffer too
    at::NoGradGuard guard;
    return views_like(f->clone(), ts);
  }
  std::vector<at::Tensor> out;
  out.reserve(ts.size());
  for (const auto& t : ts) out.push_back(at::empty_like(t, at::MemoryFormat::Contiguous));
  copy_all(out, ts);
  return out;
}

at::Tensor global_norm(const std::vector<at::Tensor>& ts) {
  at::NoGradGuard guard;
  std::vector<at::Tensor> per_kind;
  for (const auto& idx : same_kind_groups(ts)) {
    const auto group = pick(ts, idx);
    const auto f = flat_view(group);
    per_kind.push_back(f ? at::linalg_vector_norm(*f, 2)
                         : at::linalg_vector_norm(at::stack(at::_foreach_norm(group, 2)), 2));
  }
  if (per_kind.empty()) return {};
  if (per_kind.size() == 1) return per_kind[0];
  for (auto& n : per_kind) n = n.to(per_kind[0].options());  // mixed kinds: combine on the first
  return at::linalg_vector_norm(at::stack(per_kind), 2);
}

at::Tensor clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
  std::vector<at::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return {};
  at::NoGradGuard guard;
  const at::Tensor total = global_norm(grads);
  const at::Tensor coef = at::clamp(max_norm / (total + 1e-6), std::nullopt, 1.0);
  // A factor of exactly 1 (the norm within the bound) changes nothing: on the CPU, where
  // reading it costs no sync, skip the per-tensor fallback's op per gradient. NaN still
  // multiplies, as before. Not in a graph-safe step, which must not read the factor.
  if (coef.is_cpu() && !graph_safe() && coef.item<double>() == 1.0) return total;
  for (const auto& idx : same_kind_groups(grads)) {
    const auto group = pick(grads, idx);
    if (const auto f = flat_view(group))
      f->mul_(coef);
    else
      at::_foreach_mul_(group, coef);
  }
  return total;
}

void sgd_step(torch::optim::SGD& optimizer) { sgd_step(optimizer, at::Tensor()); }

void sgd_step(torch::optim::SGD& optimizer, const at::Tensor& lr) {
  at::NoGradGuard guard;
  auto& state = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const torch::optim::SGDOptions&>(group.options());
    std::vector<at::Tensor> params, grads;
    for (const auto& p : group.params())
      if (p.grad().defined()) {
        params.push_back(p);
        grads.push_back(p.grad());
      }
    for (const auto& idx : same_kind_groups(params)) {
      const auto ps = pick(params, idx);
      if (flat_sgd_step(ps, pick(grads, idx), o, lr, state)) continue;
      // d_p = g + wd·p (a new list: the gradients themselves stay as they are)
      std::vector<at::Tensor> d_p =
          o.weight_decay() != 0 ? at::_foreach_add(pick(grads, idx), ps, o.weight_decay()) : pick(grads, idx);
      if (o.momentum() != 0) {
        // Existing buffers: buf = μ·buf + (1 − dampening)·d_p; a parameter's first step: buf = d_p.
        std::vector<at::Tensor> bufs(ps.size()), old_bufs, old_dp, first_dp;
        std::vector<size_t> first;
        for (size_t i = 0; i < ps.size(); ++i) {
          auto it = state.find(ps[i].unsafeGetTensorImpl());
          if (it == state.end()) {
            first.push_back(i);
            first_dp.push_back(d_p[i]);
          } else {
            bufs[i] = static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer();
            old_bufs.push_back(bufs[i]);
            old_dp.push_back(d_p[i]);
          }
        }
        if (!old_bufs.empty()) {
          // μ as a 0-dim tensor of the buffers' kind: on the CPU the per-tensor fallback turns
          // a number factor into a tensor for every buffer (~5 ATen ops each, not 1); the
          // products are the same (μ is rounded to the buffers' type either way).
          if (old_bufs.front().is_cpu())
            at::_foreach_mul_(old_bufs, at::scalar_tensor(o.momentum(), old_bufs.front().options()));
          else
            at::_foreach_mul_(old_bufs, o.momentum());
          at::_foreach_add_(old_bufs, old_dp, 1.0 - o.dampening());
        }
        if (!first.empty()) {
          const auto made = clone_all(first_dp);
          for (size_t j = 0; j < first.size(); ++j) {
            bufs[first[j]] = made[j];
            auto st = std::make_unique<torch::optim::SGDParamState>();
            st->momentum_buffer(made[j]);
            state[ps[first[j]].unsafeGetTensorImpl()] = std::move(st);
          }
        }
        d_p = o.nesterov() ? at::_foreach_add(d_p, bufs, o.momentum()) : bufs;
      }
      if (lr.defined())
        at::_foreach_sub_(ps, at::_foreach_mul(d_p, lr));
      else
        at::_foreach_add_(ps, d_p, -o.lr());
    }
  }
}

void adam_step(torch::optim::Adam& optimizer) { adam_step(optimizer, at::Tensor()); }

void adam_step(torch::optim::Adam& optimizer, const at::Tensor& step_number) {
  at::NoGradGuard guard;
  auto& state = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    std::vector<at::Tensor> params, grads;
    for (const auto& p : group.params())
      if (p.grad().defined()) {
        if (p.grad().is_sparse() || !at::isFloatingType(p.scalar_type()))
          throw Error("adam_step: sparse gradients and non-floating parameters are not supported");
        params.push_back(p);
        grads.push_back(p.grad());
      }
    for (const auto& idx : same_kind_groups(params)) {
      const auto ps = pick(params, idx);
      std::vector<at::Tensor> exp_avgs, exp_avg_sqs, max_exp_avg_sqs;
      std::vector<torch::optim::AdamParamState*> states;
      std::vector<float> steps;
      for (const auto& p : ps) {
        auto it = state.find(p.unsafeGetTensorImpl());
        if (it == state.end()) {  // as Adam::step: zero moments, step 0
          auto st = std::make_unique<torch::optim::AdamParamState>();
          st->step(0);
          st->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
          st->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
          if (o.amsgrad()) st->max_exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
          it = state.emplace(p.unsafeGetTensorImpl(), std::move(st)).first;
        }
        auto& st = static_cast<torch::optim::AdamParamState&>(*it->second);
        states.push_back(&st);
        exp_avgs.push_back(st.exp_avg());
        exp_avg_sqs.push_back(st.exp_avg_sq());
        if (o.amsgrad()) max_exp_avg_sqs.push_back(st.max_exp_avg_sq());
        steps.push_back(static_cast<float>(st.step() + 1));  // this step's number, as Adam::step counts
      }
      // The fused kernel reads each parameter's step number from a float tensor of its own
      // (PyTorch's Adam keeps those tensors; this state keeps integers): views of one buffer,
      // or the caller's device tensor (a graph-safe step: the number is an input of the step).
      std::vector<at::Tensor> step_ts;
      if (step_number.defined()) {
        if (std::any_of(steps.begin(), steps.end(), [&](float s) { return s != steps.front(); }))
          throw Error("adam_step: the parameters are at different steps; a step number for all cannot be given");
        const at::Tensor n = step_number.to(ps.front().device(), at::kFloat).reshape({});
        step_ts.assign(ps.size(), n);
      } else {
        const at::Tensor step_buf = at::tensor(steps, at::TensorOptions().dtype(at::kFloat)).to(ps.front().device());
        for (size_t i = 0; i < ps.size(); ++i)
          step_ts.push_back(at::as_strided(step_buf, {}, {}, static_cast<int64_t>(i)));
      }
      at::_fused_adam_(ps, pick(grads, idx), exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step_ts, o.lr(),
                       std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(), o.eps(), o.amsgrad(),
                       /*maximize=*/false);
      for (auto* st : states) st->step(st->step() + 1);
    }
  }
}

int64_t next_adam_step(const torch::optim::Adam& optimizer) {
  std::optional<int64_t> step;
  for (const auto& group : optimizer.param_groups())
    for (const auto& p : group.params()) {
      const auto it = optimizer.state().find(p.unsafeGetTensorImpl());
      const int64_t n =
          it == optimizer.state().end() ? 1 : static_cast<const torch::optim::AdamParamState&>(*it->second).step() + 1;
      if (step && *step != n) throw Error("next_adam_step: the parameters are at different steps");
      step = n;
    }
  return step.value_or(1);
}

void count_adam_step(torch::optim::Adam& optimizer) {
  for (auto& [key, st] : optimizer.state()) {
    auto& s = static_cast<torch::optim::AdamParamState&>(*st);
    s.step(s.step() + 1);
  }
}

void optimizer_step(torch::optim::Optimizer& optimizer) {
  if (auto* sgd = dynamic_cast<torch::optim::SGD*>(&optimizer))
    sgd_step(*sgd);
  else if (auto* adam = dynamic_cast<torch::optim::Adam*>(&optimizer))
    adam_step(*adam);
  else
    optimizer.step();
}

}  // namespace nas::nn
