#include "darts_cc_model.hpp"

#include <ATen/ATen.h>

#include "gumbel.hpp"
#include "nashost/error.hpp"
#include "nashost/nn/precision.hpp"

namespace nas::darts_cc {

std::vector<CellSpec> cell_specs(const nn::DartsSearchNetworkImpl& net) {
  std::vector<CellSpec> specs;
  for (const auto& c : net.cells()) specs.push_back({c.reduction, c.channels});
  return specs;
}

DartsCCModelImpl::DartsCCModelImpl(const nn::SearchNetworkOptions& options, const LambdaRange& range,
                                   std::shared_ptr<const OperationSet> ops)
    : options_(options), range_(range), ops_(std::move(ops)) {
  if (!ops_) throw Error("DARTS-CC model: no operation set");
  net = register_module("net", nn::DartsSearchNetwork(options_, ops_));
  const int64_t num_ops = static_cast<int64_t>(ops_->ops().size());
  const int64_t knots = range_.knots();
  // The authors only build normal-cell hypernets for layers ≥ 3; we always build both
  // (a type without cells simply receives no gradient).
  hyper_normal = register_module("alpha_normal", CellHypernet(options_.nodes, num_ops, knots));
  hyper_reduce = register_module("alpha_reduce", CellHypernet(options_.nodes, num_ops, knots));
  head = register_module("head", PWLinear(net->feature_dim(), options_.num_outputs, knots));
  costs_ = build_param_costs(*ops_, cell_specs(*net), options_.nodes);
}

namespace {
/// forward() for λ̃ and t as numbers or as 0-dim tensors.
template <class Lambda, class Temperature>
at::Tensor forward_at(DartsCCModelImpl& m, const at::Tensor& x, const Lambda& lambda_tilde,
                      const Temperature& temperature, Sampling sampling) {
  auto [a_normal, a_reduce] = m.alphas(lambda_tilde);
  at::Tensor w_normal, w_reduce;
  if (sampling == Sampling::GumbelSoftmax) {
    // One independent sample per example and edge; all cells of a type share it.
    w_normal = gumbel_softmax_weights(a_normal, x.size(0), temperature);
    w_reduce = gumbel_softmax_weights(a_reduce, x.size(0), temperature);
  } else {
    w_normal = at::softmax(a_normal / temperature, -1);
    w_reduce = at::softmax(a_reduce / temperature, -1);
  }
  const nn::AutocastScope bf16(x.device().type());  // the architecture weights above stay float32
  return nn::float_logits(m.head->forward(m.net->features(x, w_normal, w_reduce), lambda_tilde), bf16);
}
}  // namespace

std::pair<at::Tensor, at::Tensor> DartsCCModelImpl::alphas(double lambda_tilde) const {
  return {hyper_normal->forward(lambda_tilde), hyper_reduce->forward(lambda_tilde)};
}

std::pair<at::Tensor, at::Tensor> DartsCCModelImpl::alphas(const at::Tensor& lambda_tilde) const {
  return {hyper_normal->forward(lambda_tilde), hyper_reduce->forward(lambda_tilde)};
}

at::Tensor DartsCCModelImpl::forward(const at::Tensor& x, double lambda_tilde, double temperature, Sampling sampling) {
  return forward_at(*this, x, lambda_tilde, temperature, sampling);
}

at::Tensor DartsCCModelImpl::forward(const at::Tensor& x, const at::Tensor& lambda_tilde, const at::Tensor& temperature,
                                     Sampling sampling) {
  return forward_at(*this, x, lambda_tilde, temperature, sampling);
}

at::Tensor DartsCCModelImpl::expected_params(double lambda_tilde) const {
  auto [a_normal, a_reduce] = alphas(lambda_tilde);
  return expected_param_count(a_normal, a_reduce, costs_);
}

at::Tensor DartsCCModelImpl::expected_params(const at::Tensor& lambda_tilde) const {
  auto [a_normal, a_reduce] = alphas(lambda_tilde);
  return expected_param_count(a_normal, a_reduce, costs_);
}

std::vector<at::Tensor> DartsCCModelImpl::weight_parameters() {
  std::vector<at::Tensor> unused;
  for (const auto& p : net->classifier()->parameters()) unused.push_back(p);
  std::vector<at::Tensor> out;
  for (const auto& p : net->parameters()) {
    bool skip = false;
    for (const auto& u : unused) skip = skip || p.is_same(u);
    if (!skip) out.push_back(p);
  }
  for (const auto& p : head->parameters()) out.push_back(p);
  return out;
}

std::vector<at::Tensor> DartsCCModelImpl::arch_knots() const {
  std::vector<at::Tensor> out;
  for (const auto* h : {&hyper_normal, &hyper_reduce})
    for (int64_t i = 0; i < (*h)->nodes(); ++i) out.push_back((*h)->block(i)->knots());
  return out;
}

std::vector<at::Tensor> DartsCCModelImpl::arch_pivots() const {
  std::vector<at::Tensor> out;
  for (const auto* h : {&hyper_normal, &hyper_reduce})
    for (int64_t i = 0; i < (*h)->nodes(); ++i) out.push_back((*h)->block(i)->pivots());
  return out;
}

std::vector<at::Tensor> DartsCCModelImpl::arch_parameters() const {
  std::vector<at::Tensor> out = arch_knots();
  for (const auto& p : arch_pivots()) out.push_back(p);
  return out;
}

}  // namespace nas::darts_cc
