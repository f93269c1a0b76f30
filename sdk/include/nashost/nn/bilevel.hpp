#pragma once
// The DARTS architecture gradient (docs/methods.md, DARTS), written against callables so
// that any bilevel search can use it: DARTS (alpha = the leaves), DARTS-CC (alpha is a
// function of the hypernetwork parameters; the validation loss adds a complexity penalty).
//
//   first order : g = ∇_a L_val(w, a)
//   second order: w' = w − ξ(μ·m + ∇_w L_train(w, a) + λ·w)        (one virtual SGD step,
//                                                                  momentum m, no clipping)
//                 d_a = ∇_a L_val(w', a),  d_w = ∇_w' L_val(w', a)   (no weight decay in d_w)
//                 ε = 0.01 / ‖d_w‖₂ (over all weight tensors together)
//                 h = [∇_a L_train(w + ε d_w, a) − ∇_a L_train(w − ε d_w, a)] / (2ε)
//                 g = d_a − ξ·h
// The Hessian-vector product is taken at the ORIGINAL w (quark0 a00cad0 / #21) and divided
// by 2ε (pt.darts #34 multiplies by ε/2 instead: not copied).
//
// How it works: the weights are overwritten in place (w', w ± ε d_w) under NoGradGuard and
// finally restored from exact copies (no drift from add/sub round trips, quark0 #52), so
// no second network is needed. The loss callables must read the *current* values of the
// weight tensors (i.e. run the network whose parameters are `weights`).
// If `buffers` are given (BN running statistics), they are snapshotted and restored too,
// so the extra training-mode forwards of this step leave no trace in the network
// (we deliberately avoid the reference side effect: docs/methods.md, DARTS).
// Gradients are obtained with torch::autograd::grad: no .grad field is touched; the
// caller assigns the result to the architecture leaves' .grad and steps its optimiser.
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/optim/sgd.h>

#include "nashost/export.hpp"
#include "nashost/nn/step_graph.hpp"

namespace nas::nn {

class DataParallel;

struct BilevelProblem {
  /// Network weights w (leaves with requires_grad), updated in place temporarily.
  std::vector<at::Tensor> weights;
  /// Architecture leaves a to differentiate with respect to (alphas, or hypernet params).
  std::vector<at::Tensor> arch;
  /// Scalar L_train(w, a) on the training batch (builds a fresh graph each call).
  std::function<at::Tensor()> train_loss;
  /// Scalar L_val(w, a) on the validation batch (may include penalties on a).
  std::function<at::Tensor()> valid_loss;
  /// SGD momentum buffer per weight (same order); undefined tensors count as zero.
  std::vector<at::Tensor> momentum;
  /// Optional: tensors (BN running stats) restored to their values after the step.
  std::vector<at::Tensor> buffers;
  /// Data-parallel steps (nashost/nn/data_parallel.hpp): when set and active, every loss is
  /// taken per shard through the *_shard_loss callables (k: the local shard) and every
  /// gradient is the mean over all shards of all ranks, so w', ε and the Hessian-vector
  /// product are the same on every rank. train_loss/valid_loss are then not called.
  const DataParallel* parallel = nullptr;
  std::function<at::Tensor(int)> train_shard_loss;
  std::function<at::Tensor(int)> valid_shard_loss;
};

struct BilevelOptions {
  bool second_order = true;
  double xi = 0.025;           ///< virtual-step learning rate (DARTS: current weight lr)
  double momentum = 0.9;       ///< μ of the weight SGD
  double weight_decay = 3e-4;  ///< λ of the weight SGD (coupled L2)
  double eps_scale = 0.01;     ///< ε = eps_scale / ‖d_w‖
  std::string where;           ///< e.g. "epoch 3/50, step 17/390": said when a loss is not finite
  /// ξ as a 0-dim tensor on the weights' device (`xi` then unused): a graph-safe step's input,
  /// so that one captured step serves every epoch's learning rate.
  at::Tensor xi_tensor;
};

struct BilevelResult {
  std::vector<at::Tensor> arch_grad;  ///< g, one per `arch` tensor
  double valid_loss = 0.0;            ///< L_val at w (first order) or w' (second order)
  /// In a graph-safe step (nashost/nn/step_graph.hpp) no loss is read: `valid_loss` stays 0,
  /// and every loss of the step is here, for check_finite_losses after the step.
  std::vector<PendingLoss> pending_losses;
};

/// Computes the architecture gradient; weights and buffers are bit-identical afterwards.
/// Throws nas::NumericError naming the sub-step if a loss is NaN/Inf — in a graph-safe step,
/// which reads no device value, the losses are returned unchecked instead (and ε is computed on
/// the device). Data-parallel steps are not graph-safe (nas::Error).
NASHOST_SDK_API BilevelResult architecture_gradient(const BilevelProblem& problem, const BilevelOptions& options);

/// The momentum buffers of `params` in a LibTorch SGD optimiser (undefined = none yet).
NASHOST_SDK_API std::vector<at::Tensor> sgd_momentum_buffers(torch::optim::SGD& optimizer,
                                                             const std::vector<at::Tensor>& params);

/// Gradients of `loss` w.r.t. `inputs` with unused inputs as zeros (no .grad touched).
NASHOST_SDK_API std::vector<at::Tensor> gradients(const at::Tensor& loss, const std::vector<at::Tensor>& inputs);

}  // namespace nas::nn
