#include "nashost/nn/bilevel.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "flat_buffers.hpp"
#include "nashost/error.hpp"
#include "nashost/nn/data_parallel.hpp"
#include "nashost/nn/foreach_ops.hpp"

namespace nas::nn {

namespace {

double checked(double v, const char* step, const std::string& where) {
  if (!std::isfinite(v))
    throw NumericError(std::string("non-finite loss (") + std::to_string(v) + ") in the architecture step" +
                       (where.empty() ? "" : " (" + where + ")") + ": " + step +
                       "; lower the learning rates or check the data");
  return v;
}

/// The gradients of the training (or validation) loss w.r.t. `inputs` and the loss's value,
/// checked: in one piece, or as the mean over the data-parallel shards. In a graph-safe step
/// the loss goes to `pending` unread.
std::vector<at::Tensor> loss_gradients(const BilevelProblem& p, bool train, const std::vector<at::Tensor>& inputs,
                                       const char* step, const std::string& where, double* value,
                                       std::vector<PendingLoss>& pending) {
  if (p.parallel != nullptr && p.parallel->active()) {
    if (graph_safe()) throw Error("architecture_gradient: a data-parallel step cannot be captured in a graph");
    const auto& shard_loss = train ? p.train_shard_loss : p.valid_shard_loss;
    if (!shard_loss)
      throw Error("architecture_gradient: a data-parallel step needs train_shard_loss and valid_shard_loss");
    double v = 0;
    auto g = p.parallel->gradients(shard_loss, inputs, &v);
    *value = checked(v, step, where);
    return g;
  }
  const at::Tensor loss = train ? p.train_loss() : p.valid_loss();
  if (graph_safe())
    pending.emplace_back(std::string("the architecture step: ") + step, loss.detach());
  else
    *value = checked(loss.item<double>(), step, where);
  return gradients(loss, inputs);
}

/// A snapshot of the BatchNorm buffers, copied storage by storage where the buffers tile a
/// storage exactly. Why: the supernet's ~1,800 running statistics and step counters are views
/// of a few hundred concatenated buffers (one per edge batch and op, nn/edge_batch.cpp), so
/// saving and restoring whole storages dispatches a few hundred ops where one copy per view
/// dispatched thousands. A buffer whose storage was replaced meanwhile (the edge batch
/// rebuilds its views after a checkpoint was loaded) is restored view by view from the saved
/// copy, as is a storage the buffers do not tile exactly. Bit-exact either way.
class BufferSnapshot {
 public:
  explicit BufferSnapshot(const std::vector<at::Tensor>& buffers) {
    std::map<const void*, size_t> index;
    for (const auto& b : buffers) {
      if (!b.defined()) continue;
      const void* key = b.storage().unsafeGetStorageImpl();
      auto [it, fresh] = index.try_emplace(key, groups_.size());
      if (fresh) groups_.push_back({key, {}, {}, {}});
      groups_[it->second].members.push_back(b);
      groups_[it->second].offsets.push_back(b.storage_offset());
    }
    const at::NoGradGuard no_grad;
    std::vector<at::Tensor> live;
    for (Group& g : groups_) {
      const at::Tensor& first = g.members.front();
      const auto storage = first.storage();
      const auto item = static_cast<int64_t>(first.element_size());
      const int64_t elements = static_cast<int64_t>(storage.nbytes()) / item;
      if (g.members.size() > 1 && static_cast<int64_t>(storage.nbytes()) % item == 0 && tile(g.members, elements))
        g.whole = at::empty({0}, first.options()).set_(storage, 0, {elements}, {1});
      else
        g.storage = nullptr;  // each member on its own
      if (g.whole.defined())
        live.push_back(g.whole);
      else
        live.insert(live.end(), g.members.begin(), g.members.end());
    }
    saved_ = clone_all(live);
  }

  void restore() const {
    std::vector<at::Tensor> dst, src;
    size_t k = 0;  // position in saved_
    for (const Group& g : groups_) {
      if (!g.whole.defined()) {
        for (const auto& m : g.members) dst.push_back(m), src.push_back(saved_[k++]);
        continue;
      }
      const at::Tensor& saved = saved_[k++];
      const bool same = std::all_of(g.members.begin(), g.members.end(), [&](const at::Tensor& m) {
        return m.storage().unsafeGetStorageImpl() == g.storage;
      });
      if (same) {
        dst.push_back(g.whole), src.push_back(saved);
        continue;
      }
      for (size_t i = 0; i < g.members.size(); ++i) {
        const at::Tensor& m = g.members[i];
        dst.push_back(m);
        src.push_back(saved.narrow(0, g.offsets[i], m.numel()).view(m.sizes()));
      }
    }
    copy_all(dst, src);
  }

 private:
  struct Group {
    const void* storage;              ///< null: the members are copied one by one
    std::vector<at::Tensor> members;  ///< the buffers in this storage
    std::vector<int64_t> offsets;     ///< their element offsets when the snapshot was taken
    at::Tensor whole;                 ///< the whole storage, when the members tile it
  };
  /// True when `members` (one dtype, contiguous) cover elements [0, n) of their storage once.
  static bool tile(std::vector<at::Tensor> members, int64_t n) {
    std::sort(members.begin(), members.end(),
              [](const at::Tensor& x, const at::Tensor& y) { return x.storage_offset() < y.storage_offset(); });
    int64_t next = 0;
    for (const auto& m : members) {
      if (m.scalar_type() != members.front().scalar_type() || !m.is_contiguous() || m.storage_offset() != next)
        return false;
      next += m.numel();
    }
    return next == n;
  }
  std::vector<Group> groups_;
  std::vector<at::Tensor> saved_;
};

/// Restores weights and buffers when leaving scope, also on exceptions.
struct Restore {
  const std::vector<at::Tensor>& weights;
  const std::vector<at::Tensor>& saved_w;
  const BufferSnapshot& buffers;
  ~Restore() {
    copy_all(weights, saved_w);
    buffers.restore();
  }
};

}  // namespace

std::vector<at::Tensor> gradients(const at::Tensor& loss, const std::vector<at::Tensor>& inputs) {
  auto g = torch::autograd::grad({loss}, inputs, /*grad_outputs=*/{}, /*retain_graph=*/false,
                                 /*create_graph=*/false, /*allow_unused=*/true);
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i].defined()) g[i] = at::zeros_like(inputs[i]);
  return g;
}

BilevelResult architecture_gradient(const BilevelProblem& p, const BilevelOptions& o) {
  BilevelResult result;
  const BufferSnapshot saved_b(p.buffers);
  if (!o.second_order) {
    result.arch_grad = loss_gradients(p, false, p.arch, "validation loss (first order)", o.where, &result.valid_loss,
                                      result.pending_losses);
    saved_b.restore();
    return result;
  }
  const auto saved_w = clone_all(p.weights);
  Restore restore{p.weights, saved_w, saved_b};
  const size_t nw = p.weights.size();
  // Weights and their snapshot in one buffer each (zero_flat_grads, as darts and darts-cc lay
  // them out): the gradients are copied into one too, and the virtual step and the Hessian
  // probes are a few ops on buffers instead of per tensor.
  const auto fw = flat_view(p.weights), fs = flat_view(saved_w);

  // 1. virtual step w' = w − ξ(μ·m + g + λw), the exact next SGD iterate without clipping.
  {
    double lt = 0;
    const auto g =
        loss_gradients(p, true, p.weights, "training loss of the virtual step", o.where, &lt, result.pending_losses);
    at::NoGradGuard guard;
    const bool all_m = p.momentum.size() == nw && std::all_of(p.momentum.begin(), p.momentum.end(),
                                                              [](const at::Tensor& t) { return t.defined(); });
    const auto fm = all_m ? flat_view(p.momentum) : std::nullopt;
    if (fw && fs && (fm || p.momentum.empty() || o.momentum == 0)) {
      at::Tensor step = at::add(flat_copy(g), *fs, o.weight_decay);  // g + λw
      if (fm && o.momentum != 0) step.add_(*fm, o.momentum);         // + μ·m
      fw->copy_(*fs);
      if (o.xi_tensor.defined())
        fw->sub_(step * o.xi_tensor);
      else
        fw->add_(step, -o.xi);
    } else {
      std::vector<at::Tensor> step = at::_foreach_add(g, saved_w, o.weight_decay);  // g + λw
      std::vector<at::Tensor> with_m, m;
      for (size_t i = 0; i < nw && i < p.momentum.size(); ++i)
        if (p.momentum[i].defined()) {
          with_m.push_back(step[i]);
          m.push_back(p.momentum[i]);
        }
      if (!with_m.empty()) at::_foreach_add_(with_m, m, o.momentum);  // + μ·m (in place in `step`)
      copy_all(p.weights, saved_w);
      if (o.xi_tensor.defined())
        at::_foreach_sub_(p.weights, at::_foreach_mul(step, o.xi_tensor));
      else
        at::_foreach_add_(p.weights, step, -o.xi);
    }
  }

  // 2. d_a and d_w' of L_val at w'.
  std::vector<at::Tensor> inputs = p.arch;
  inputs.insert(inputs.end(), p.weights.begin(), p.weights.end());
  const auto all = loss_gradients(p, false, inputs, "validation loss at the unrolled weights", o.where,
                                  &result.valid_loss, result.pending_losses);
  std::vector<at::Tensor> d_arch(all.begin(), all.begin() + static_cast<long>(p.arch.size()));
  std::vector<at::Tensor> d_w(all.begin() + static_cast<long>(p.arch.size()), all.end());

  // 3. finite-difference Hessian-vector product around the ORIGINAL weights.
  const at::Tensor d_flat = fw && fs ? flat_copy(d_w) : at::Tensor();
  const at::Tensor norm_t = d_flat.defined() ? at::linalg_vector_norm(d_flat, 2) : global_norm(d_w);
  result.arch_grad = d_arch;
  // ε and 1/(2ε) as numbers (one host sync, not one per tensor) or, in a graph-safe step, as
  // 0-dim tensors (ε = eps_scale/‖d_w‖ with ‖d_w‖ kept from 0: d_w = 0 then probes w itself and
  // h = 0·(g⁺ − g⁻) = 0, as the early return below gives).
  double eps = 0.0;
  at::Tensor eps_t, inv_two_eps_t;
  if (graph_safe()) {
    eps_t = o.eps_scale / norm_t.clamp_min(1e-30);
    inv_two_eps_t = norm_t / (2.0 * o.eps_scale);
  } else {
    const double norm = norm_t.item<double>();
    if (norm == 0.0 || (!o.xi_tensor.defined() && o.xi == 0.0)) return result;  // no implicit term
    eps = o.eps_scale / norm;
  }
  auto grad_at = [&](double sign, const char* step) {
    {
      at::NoGradGuard guard;
      if (d_flat.defined()) {
        fw->copy_(*fs);
        if (eps_t.defined())
          fw->add_(d_flat * (sign * eps_t));
        else
          fw->add_(d_flat, sign * eps);
      } else {
        copy_all(p.weights, saved_w);
        if (eps_t.defined())
          at::_foreach_add_(p.weights, at::_foreach_mul(d_w, sign * eps_t));
        else
          at::_foreach_add_(p.weights, d_w, sign * eps);
      }
    }
    saved_b.restore();  // both evaluations see the same BN state
    double lt = 0;
    return loss_gradients(p, true, p.arch, step, o.where, &lt, result.pending_losses);
  };
  const auto g_plus = grad_at(+1.0, "training loss at w + eps*d (Hessian-vector product)");
  const auto g_minus = grad_at(-1.0, "training loss at w - eps*d (Hessian-vector product)");
  // 4. g = d_a − ξ·h with h = (g⁺ − g⁻) / (2ε)   (pt.darts bug #34: it uses ·ε/2).
  const at::Tensor& xi = o.xi_tensor;
  for (size_t i = 0; i < d_arch.size(); ++i) {
    const at::Tensor diff = g_plus[i] - g_minus[i];
    const at::Tensor xi_diff = xi.defined() ? xi * diff : o.xi * diff;
    result.arch_grad[i] = d_arch[i] - (inv_two_eps_t.defined() ? xi_diff * inv_two_eps_t : xi_diff / (2.0 * eps));
  }
  return result;
}

std::vector<at::Tensor> sgd_momentum_buffers(torch::optim::SGD& optimizer, const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  out.reserve(params.size());
  auto& state = optimizer.state();
  for (const auto& p : params) {
    auto it = state.find(p.unsafeGetTensorImpl());
    if (it == state.end()) {
      out.emplace_back();
      continue;
    }
    auto& s = static_cast<torch::optim::SGDParamState&>(*it->second);
    out.push_back(s.momentum_buffer());
  }
  return out;
}

}  // namespace nas::nn
