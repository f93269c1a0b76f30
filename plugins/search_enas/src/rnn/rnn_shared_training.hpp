#pragma once
// Training the shared RNN weights, used by the search (sampled DAGs) and by the scratch
// trainer (one fixed DAG): optimiser, lr schedule and one truncated-BPTT step.
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/optim/optimizer.h>

#include "rnn/rnn_dag.hpp"
#include "nashost/config.hpp"
#include "nashost/nn/data_parallel.hpp"
#include "nashost/nn/step_graph.hpp"
#include "rnn/shared_rnn.hpp"

namespace nas::enas {

struct SharedTrainOptions {
  std::string optim = "sgd";
  double lr = 20.0;
  double l2 = 1e-7;
  double grad_clip = 0.25;
  double decay = 0.96;
  int64_t decay_after = 15;
  int64_t bptt = 35;
  static SharedTrainOptions from(const Config& options);
};

std::unique_ptr<torch::optim::Optimizer> make_shared_optimizer(SharedRnnImpl& model, const SharedTrainOptions& o);
/// carpedm20 schedule: after every epoch with index >= decay_after, lr = lr0 * decay^(e - decay_after + 1),
/// i.e. epoch e trains with lr0 * decay^max(0, e - decay_after). (The fork ignores this and
/// trains at controller_lr; we honour shared_lr.)
double lr_for_epoch(const SharedTrainOptions& o, int64_t epoch);
void set_lr(torch::optim::Optimizer& optimizer, double lr);

/// The training token stream with a persistent cursor: it continues where the last epoch
/// stopped and wraps (then the hidden state restarts at zero). The reference resets the
/// cursor every epoch, so on WikiText-2 it only ever trains on the first ~43% of the data.
struct TokenStream {
  at::Tensor rows;  ///< [rows, B]
  int64_t cursor = 0;
  at::Tensor hidden;  ///< undefined = zero at the next step
};

/// One step on the next chunk of `stream`: loss averaged over `dags` (the hidden state of
/// the last DAG is carried on, detached), backward, grad-norm clip, optimiser step.
/// Returns the loss; throws NumericError on NaN/Inf.
/// `parallel` (optional): the batch's columns split over ranks and micro-batches, gradients
/// averaged over all of them (nashost/nn/data_parallel.hpp); each rank carries the hidden
/// state of its own columns.
double shared_step(SharedRnnImpl& model, torch::optim::Optimizer& optimizer, TokenStream& stream,
                   const std::vector<Dag>& dags, const SharedTrainOptions& o,
                   const nn::DataParallel* parallel = nullptr);

/// shared_step for one fixed DAG (training a found cell from scratch) as a graph-safe body run
/// by `graph` (nashost/nn/step_graph.hpp): captured on CUDA once and replayed for every chunk of
/// the same length (the last, shorter chunk of a pass runs uncaptured). The chunk, the carried
/// hidden state and the learning rate `lr` are its inputs; the loss is checked after the step.
/// Same arithmetic as shared_step; `optimizer` must be SGD (nas::Error otherwise).
double shared_step_graphed(nn::StepGraph& graph, SharedRnnImpl& model, torch::optim::Optimizer& optimizer,
                           TokenStream& stream, const Dag& dag, const SharedTrainOptions& o, double lr);

}  // namespace nas::enas
