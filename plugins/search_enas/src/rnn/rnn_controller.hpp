#pragma once
// The ENAS RNN controller (carpedm20/fork models/controller.py, extended for the fork's
// train types): an LSTMCell that emits one decision per step through its own linear
// head and feeds the embedding of the action just taken back as the next input.
//
// Decision layouts (N = num_blocks, A = number of activations):
//   orig / random: [act 0, parent 1, act 1, ..., parent N-1, act N-1]      (2N-1)
//   flexible:      [count, then the orig layout]; count n in 3..N picks the node count and
//                  the decisions of nodes >= n are masked out                (2N)
//   hardcoded:     [act 0, ..., act N-1]; parents fixed by tree/chain        (N)
// Logits are head(h) / temperature, then tanh_c * tanh(.) when tanh_c > 0.
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>

#include "common/reinforce.hpp"
#include "rnn/rnn_dag.hpp"

namespace nas::enas {

enum class TrainType { Orig, Flexible, Hardcoded, Random };
TrainType parse_train_type(const std::string& name);  // ConfigError listing valid names
const char* train_type_name(TrainType type);

struct ControllerConfig {
  TrainType train_type = TrainType::Orig;
  std::string architecture = "tree";  ///< hardcoded only
  std::vector<std::string> activations = {"tanh", "ReLU", "identity", "sigmoid"};
  int num_blocks = 12;
  int hidden = 100;
  double temperature = 5.0;
  double tanh_c = 2.5;
  double init_range = 0.1;
};

/// A batch of sampled DAGs and, per decision, log-probability, entropy and a mask
/// (1 where the decision belongs to the DAG, 0 for flexible's dropped nodes). [B, D] each.
struct ControllerSample {
  std::vector<Dag> dags;
  at::Tensor log_probs;
  at::Tensor entropies;
  at::Tensor mask;
};

class ControllerImpl : public torch::nn::Module {
 public:
  explicit ControllerImpl(ControllerConfig config);
  /// Samples `batch` DAGs. Gradients flow into log_probs/entropies unless a NoGradGuard
  /// is active. `random` train type draws every decision uniformly (log_probs constant).
  ControllerSample sample(int64_t batch);
  int64_t num_decisions() const { return static_cast<int64_t>(classes_.size()); }
  const ControllerConfig& config() const { return config_; }

 private:
  enum class Kind { Count, Parent, Activation };
  struct Step {
    Kind kind;
    int node;  ///< node the decision belongs to (-1 for the count)
  };
  at::Tensor input_rows(Kind kind, const at::Tensor& action) const;

  ControllerConfig config_;
  std::vector<Step> steps_;
  std::vector<int64_t> classes_;
  int64_t parent_row0_ = 0, count_row0_ = 0;
  torch::nn::LSTMCell lstm_{nullptr};
  torch::nn::Embedding embed_{nullptr};
  torch::nn::ModuleList heads_;
};
TORCH_MODULE(Controller);

/// -sum_t log pi_t * A_t (A constant), minus entropy_coeff * sum H_t in regularizer mode.
at::Tensor reinforce_loss(const ControllerSample& sample, int64_t index, const at::Tensor& advantage,
                          double entropy_coeff, bool entropy_in_reward);

}  // namespace nas::enas
