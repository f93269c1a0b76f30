#include "common.hpp"

#include <cmath>
#include <set>

#include <ATen/ATen.h>

#include "nashost/error.hpp"
#include "nashost/nn/darts_search_network.hpp"

namespace nas::darts {

at::Tensor task_loss(Task task, const at::Tensor& output, const at::Tensor& target) {
  if (task == Task::Regression) return at::mse_loss(output, target.to(output.scalar_type()).view_as(output));
  return at::cross_entropy_loss(output, target);
}

double checked_loss(const at::Tensor& loss, const std::string& step) {
  const double v = loss.item<double>();
  if (!std::isfinite(v))
    throw NumericError("loss is " + std::to_string(v) + " in " + step +
                       "; training diverged (lower the learning rate, check the data normalisation)");
  return v;
}

void EpochMeter::add(const at::Tensor& output, const at::Tensor& target, double batch_loss) {
  const int64_t n = output.size(0);
  n_ += n;
  loss_sum_ += batch_loss * static_cast<double>(n);
  if (task_ == Task::Regression) {
    const at::Tensor y = target.to(at::kDouble).reshape({-1});
    const at::Tensor p = output.detach().to(at::kDouble).reshape({-1});
    sse_ += (y - p).pow(2).sum().item<double>();
    sum_y_ += y.sum().item<double>();
    sum_y2_ += y.pow(2).sum().item<double>();
    values_ += y.numel();
  } else {
    correct_ += output.detach().argmax(1).eq(target).sum().item<int64_t>();
  }
}

double EpochMeter::r2() const {
  if (values_ == 0) return 0.0;
  const double mean = sum_y_ / static_cast<double>(values_);
  const double sst = sum_y2_ - static_cast<double>(values_) * mean * mean;
  return sst > 0 ? 1.0 - sse_ / sst : 0.0;
}

void EpochMeter::report(const std::string& prefix, std::map<std::string, double>& out) const {
  out[prefix + "loss"] = loss();
  if (task_ == Task::Regression)
    out[prefix + "r2"] = r2();
  else
    out[prefix + "accuracy"] = accuracy();
}

int64_t reduction_count(int64_t layers) {
  std::set<int64_t> r;
  for (int64_t c : nn::reduction_cells(layers))
    if (c < layers) r.insert(c);
  return static_cast<int64_t>(r.size());
}

void check_input_size(const DatasetInfo& info, int64_t layers, const std::string& who) {
  if (info.input_shape.size() != 3)
    throw ConfigError(who + ": dataset '" + info.name + "' does not provide C,H,W images");
  const int64_t k = int64_t{1} << reduction_count(layers);
  const int64_t h = info.input_shape[1], w = info.input_shape[2];
  if (h % k != 0 || w % k != 0)
    throw ConfigError(who + ": input " + std::to_string(h) + "x" + std::to_string(w) + " of dataset '" + info.name +
                      "' is not divisible by " + std::to_string(k) + " (2^" + std::to_string(reduction_count(layers)) +
                      " reduction cells); pad the images (e.g. 30x80 -> 32x80) or change 'layers'");
}

}  // namespace nas::darts
