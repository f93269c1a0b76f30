#include "nashost/nn/data_parallel.hpp"

#include <algorithm>
#include <mutex>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include "nashost/collectives.hpp"
#include "nashost/error.hpp"
#include "nashost/nn/bilevel.hpp"

namespace nas {

Collectives::~Collectives() = default;

namespace {
Collectives* g_collectives = nullptr;  // set by the host before any plugin runs a step
}  // namespace

Collectives* process_collectives() { return g_collectives; }
void set_process_collectives(Collectives* collectives) { g_collectives = collectives; }

}  // namespace nas

namespace nas::nn {

double sum_of_squares(const std::vector<at::Tensor>& tensors) {
  at::NoGradGuard no_grad;
  double sum = 0;
  for (const auto& t : tensors) sum += t.detach().to(at::kDouble).pow(2).sum().item<double>();
  return sum;
}

DataParallel::DataParallel(int micro_batches, int batch_dim)
    : ranks_(process_collectives()), micro_(micro_batches), batch_dim_(batch_dim) {
  if (micro_batches < 1) throw ConfigError("micro_batches must be at least 1, got " + std::to_string(micro_batches));
  if (ranks_ != nullptr) {
    rank_ = ranks_->rank();
    world_ = ranks_->world_size();
  }
}

void DataParallel::count_bytes(const std::vector<at::Tensor>& tensors) const {
  for (const auto& t : tensors) bytes_ += static_cast<int64_t>(t.numel() * t.element_size());
}

void DataParallel::all_reduce_sum(std::vector<at::Tensor>& tensors) const {
  count_bytes(tensors);
  ranks_->all_reduce_sum(tensors);
}

void DataParallel::broadcast(std::vector<at::Tensor>& tensors) const {
  count_bytes(tensors);
  ranks_->broadcast(tensors, 0);
}

DataParallel DataParallel::single_process(int micro_batches, int batch_dim) {
  DataParallel p(micro_batches, batch_dim);
  p.ranks_ = nullptr;
  p.rank_ = 0;
  p.world_ = 1;
  return p;
}

Batch DataParallel::shard(const Batch& batch, int k) const {
  if (!active()) return batch;
  const auto [begin, end] = shard_range(batch.input.size(batch_dim_), k);
  return rows(batch, begin, end);
}

void DataParallel::check_batch_size(int64_t batch_size, const std::string& key) const {
  if (active() && batch_size < total_shards())
    throw ConfigError(key + " = " + std::to_string(batch_size) + " cannot be split into " +
                      std::to_string(total_shards()) + " shards (" + std::to_string(world_) + " ranks x " +
                      std::to_string(micro_) +
                      " micro-batches): batch_size is the global batch; raise it or use fewer ranks");
}

std::pair<int64_t, int64_t> DataParallel::shard_range(int64_t n, int k) const {
  if (!active()) return {0, n};
  const int64_t total = total_shards();
  if (n < total)
    throw Error("a batch of " + std::to_string(n) + " examples cannot be split into " + std::to_string(total) +
                " shards (" + std::to_string(world_) + " ranks x " + std::to_string(micro_) +
                " micro-batches); raise the batch size or use fewer ranks");
  const int64_t g = static_cast<int64_t>(rank_) * micro_ + k;
  return {g * n / total, (g + 1) * n / total};
}

Batch DataParallel::local_rows(const Batch& batch) const {
  if (!active()) return batch;
  const int64_t n = batch.input.size(batch_dim_);
  const int64_t total = total_shards();
  return rows(batch, static_cast<int64_t>(rank_) * micro_ * n / total,
              static_cast<int64_t>(rank_ + 1) * micro_ * n / total);
}

Batch DataParallel::rows(const Batch& batch, int64_t begin, int64_t end) const {
  Batch out;
  out.input = batch.input.narrow(batch_dim_, begin, end - begin);
  const int target_dim = batch.target.dim() > batch_dim_ ? batch_dim_ : 0;
  out.target = batch.target.narrow(target_dim, begin, end - begin);
  return out;
}

void DataParallel::for_each_shard(const std::function<void(int)>& fn) const {
  if (!active()) {
    fn(0);
    return;
  }
  // One draw from the default generator (the same on every rank, which all hold the same
  // generator state); each shard then draws from a generator seeded by its global index,
  // so a shard's noise does not depend on which rank computes it.
  const auto base = static_cast<uint64_t>(at::randint(int64_t{1} << 62, {1}, at::kLong).item<int64_t>());
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  at::Tensor after_draw;
  {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    after_draw = cpu.get_state();
  }
  try {
    for (int k = 0; k < micro_; ++k) {
      at::manual_seed(base + static_cast<uint64_t>(rank_) * micro_ + static_cast<uint64_t>(k));
      fn(k);
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(cpu.mutex());
    cpu.set_state(after_draw);
    throw;
  }
  std::lock_guard<std::mutex> lock(cpu.mutex());
  cpu.set_state(after_draw);
}

std::vector<at::Tensor> DataParallel::gradients(const std::function<at::Tensor(int)>& loss,
                                                const std::vector<at::Tensor>& inputs, double* mean_loss) const {
  if (!active()) {
    const at::Tensor l = loss(0);
    if (mean_loss) *mean_loss = l.item<double>();
    return nn::gradients(l, inputs);
  }
  std::vector<at::Tensor> sum;
  at::Tensor loss_sum;
  for_each_shard([&](int k) {
    const at::Tensor l = loss(k);
    auto g = nn::gradients(l, inputs);
    if (sum.empty()) {
      sum = std::move(g);
      loss_sum = l.detach().to(at::kDouble).reshape({1}).clone();
    } else {
      at::_foreach_add_(sum, g);
      loss_sum += l.detach().to(at::kDouble).reshape({1});
    }
  });
  std::vector<at::Tensor> all = sum;
  all.push_back(loss_sum);
  if (ranks_ != nullptr && world_ > 1) all_reduce_sum(all);
  const double shards = static_cast<double>(total_shards());
  at::_foreach_div_(sum, shards);
  if (mean_loss) *mean_loss = all.back().item<double>() / shards;
  return sum;
}

double DataParallel::backward(const std::function<at::Tensor(int)>& loss, const std::vector<at::Tensor>& params) const {
  if (!active()) {
    const at::Tensor l = loss(0);
    const double v = l.item<double>();
    l.backward();
    return v;
  }
  // Unscaled sums first, one division at the end: one process with M shards and M ranks
  // with one each then add the same numbers in the same order (bit-identical results).
  double loss_sum = 0;
  for_each_shard([&](int k) {
    const at::Tensor l = loss(k);
    loss_sum += l.item<double>();
    l.backward();
  });
  std::vector<at::Tensor> grads;
  for (const auto& p : params) {
    if (!p.grad().defined()) const_cast<at::Tensor&>(p).mutable_grad() = at::zeros_like(p);
    grads.push_back(p.grad());
  }
  if (ranks_ != nullptr && world_ > 1) {
    grads.push_back(at::full({1}, loss_sum, at::kDouble));
    all_reduce_sum(grads);
    loss_sum = grads.back().item<double>();
    grads.pop_back();
  }
  at::_foreach_div_(grads, static_cast<double>(total_shards()));
  return loss_sum / static_cast<double>(total_shards());
}

void DataParallel::average(std::vector<at::Tensor>& tensors) const {
  if (ranks_ == nullptr || world_ == 1 || tensors.empty()) return;
  all_reduce_sum(tensors);
  at::_foreach_div_(tensors, static_cast<double>(world_));
}

double DataParallel::average(double value) const {
  if (ranks_ == nullptr || world_ == 1) return value;
  std::vector<at::Tensor> t{at::full({1}, value, at::kDouble)};
  all_reduce_sum(t);
  return t[0].item<double>() / world_;
}

void DataParallel::sync_from_rank0(std::vector<at::Tensor> tensors) const {
  if (ranks_ == nullptr || world_ == 1 || tensors.empty()) return;
  broadcast(tensors);
}

double DataParallel::max_divergence(const std::vector<at::Tensor>& tensors) const {
  if (ranks_ == nullptr || world_ == 1 || tensors.empty()) return 0.0;
  std::vector<at::Tensor> theirs;
  for (const auto& t : tensors) theirs.push_back(t.detach().clone());
  broadcast(theirs);
  double local = 0;
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].numel() > 0) local = std::max(local, (tensors[i].detach() - theirs[i]).abs().max().item<double>());
  std::vector<at::Tensor> all{at::full({1}, local, at::kDouble)};
  all_reduce_sum(all);  // every rank's largest difference, summed: 0 only when all agree
  return all[0].item<double>();
}

}  // namespace nas::nn
