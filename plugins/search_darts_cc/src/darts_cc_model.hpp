#pragma once
// The DARTS-CC search model: the shared DARTS supernet, one hypernetwork per cell type
// mapping λ̃ to α(λ̃), and the λ-conditioned PW classifier head (docs/methods.md, DARTS-CC).
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include "cell_layout.hpp"
#include "hypernet.hpp"
#include "lambda_range.hpp"
#include "nashost/nn/darts_search_network.hpp"
#include "param_penalty.hpp"
#include "pw_block.hpp"

namespace nas::darts_cc {

/// How op weights are drawn from α in the forward pass (docs/methods.md, DARTS-CC).
enum class Sampling {
  GumbelSoftmax,  ///< DARTS-CC: per-example Concrete samples at temperature t
  Softmax,        ///< softmax(α / t), shared by the batch (the authors' DARTS baseline mode)
};

class DartsCCModelImpl : public torch::nn::Module {
 public:
  DartsCCModelImpl(const nn::SearchNetworkOptions& options, const LambdaRange& range,
                   std::shared_ptr<const OperationSet> ops);

  /// Logits at λ̃, op weights drawn by `sampling` at temperature t.
  at::Tensor forward(const at::Tensor& x, double lambda_tilde, double temperature,
                     Sampling sampling = Sampling::GumbelSoftmax);
  /// (α_normal(λ̃), α_reduce(λ̃)), each [E, O] in the operation set's column order.
  std::pair<at::Tensor, at::Tensor> alphas(double lambda_tilde) const;
  /// Expected parameter count of the cells' candidate ops at λ̃ (differentiable).
  at::Tensor expected_params(double lambda_tilde) const;
  /// The same three with λ̃ and t as 0-dim tensors on the model's device (a captured step's
  /// inputs, nashost/nn/step_graph.hpp): same values.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& lambda_tilde, const at::Tensor& temperature,
                     Sampling sampling = Sampling::GumbelSoftmax);
  std::pair<at::Tensor, at::Tensor> alphas(const at::Tensor& lambda_tilde) const;
  at::Tensor expected_params(const at::Tensor& lambda_tilde) const;

  /// w: supernet (without its unused Linear classifier) + PW head, pivots included.
  std::vector<at::Tensor> weight_parameters();
  /// The hypernetwork tensors (knots and pivots): trained by the architecture optimiser.
  std::vector<at::Tensor> arch_parameters() const;
  /// The same split: knot tensors, then pivot tensors (arch_parameters() = knots + pivots).
  std::vector<at::Tensor> arch_knots() const;
  std::vector<at::Tensor> arch_pivots() const;

  const std::vector<std::string>& op_names() const { return ops_->ops(); }
  int64_t nodes() const { return options_.nodes; }
  const ParamCosts& costs() const { return costs_; }
  const LambdaRange& range() const { return range_; }

  nn::DartsSearchNetwork net{nullptr};
  CellHypernet hyper_normal{nullptr}, hyper_reduce{nullptr};
  PWLinear head{nullptr};

 private:
  nn::SearchNetworkOptions options_;
  LambdaRange range_;
  std::shared_ptr<const OperationSet> ops_;
  ParamCosts costs_;
};
TORCH_MODULE(DartsCCModel);

/// The cells of a search network as CellSpecs.
std::vector<CellSpec> cell_specs(const nn::DartsSearchNetworkImpl& net);

}  // namespace nas::darts_cc
