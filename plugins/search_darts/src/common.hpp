#pragma once
// Small pieces shared by the DARTS search and the evaluation trainer.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/nn/schedules.hpp"
#include "nashost/dataset.hpp"

namespace nas::darts {

using nn::cosine_lr;  // nashost/nn/schedules.hpp

/// Task loss: cross-entropy for classification, MSE for regression.
at::Tensor task_loss(Task task, const at::Tensor& output, const at::Tensor& target);

/// Throws NumericError naming `step` if `loss` is NaN/Inf; returns its value.
double checked_loss(const at::Tensor& loss, const std::string& step);

/// Accumulates loss and accuracy (classification) or the whole-split R² (regression:
/// Σ(y−ŷ)² and Σ(y−ȳ)² over all examples — not per-batch averages as the graphene reference computes them;
/// docs/methods.md).
class EpochMeter {
 public:
  explicit EpochMeter(Task task) : task_(task) {}
  void add(const at::Tensor& output, const at::Tensor& target, double batch_loss);
  double loss() const { return n_ ? loss_sum_ / static_cast<double>(n_) : 0.0; }
  double accuracy() const { return n_ ? static_cast<double>(correct_) / static_cast<double>(n_) : 0.0; }
  double r2() const;
  int64_t count() const { return n_; }
  /// Adds "<prefix>loss" and "<prefix>accuracy" or "<prefix>r2".
  void report(const std::string& prefix, std::map<std::string, double>& out) const;

 private:
  Task task_;
  int64_t n_ = 0, correct_ = 0, values_ = 0;
  double loss_sum_ = 0, sse_ = 0, sum_y_ = 0, sum_y2_ = 0;
};

/// Number of distinct reduction cells in a network of `layers` cells.
int64_t reduction_count(int64_t layers);

/// ConfigError before training if H or W is not divisible by 2^reductions (docs/methods.md, DARTS).
void check_input_size(const DatasetInfo& info, int64_t layers, const std::string& who);

}  // namespace nas::darts
