#include "distributed.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// CUDA tensors go through NCCL when the torch build has it (the wheel's libtorch_cuda.so
// exports c10d::ProcessGroupNCCL; nccl.h comes with the nvidia-nccl wheel torch installs).
#if defined(USE_C10D_NCCL) && __has_include(<nccl.h>)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define NASHOST_HAVE_NCCL 1
#endif

#include "host_context.hpp"
#include "nashost/collectives.hpp"
#include "nashost/error.hpp"

namespace nas::host {

namespace {

std::optional<int> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0 || x > 1'000'000)
    throw ConfigError(std::string(name) + "='" + v + "' is not a valid number");
  return static_cast<int>(x);
}

std::string env_string(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }
std::string string_of(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

}  // namespace

std::string first_slurm_host(const std::string& node_list) {
  // "prefix[03-05,09]suffix,other" -> "prefix03suffix"; a plain "host1,host2" -> "host1".
  std::string out;
  for (size_t i = 0; i < node_list.size(); ++i) {
    const char c = node_list[i];
    if (c == ',') break;
    if (c != '[') {
      out += c;
      continue;
    }
    const size_t close = node_list.find(']', i);
    if (close == std::string::npos) throw ConfigError("cannot read the Slurm node list '" + node_list + "'");
    const std::string inside = node_list.substr(i + 1, close - i - 1);
    out += inside.substr(0, inside.find_first_of("-,"));
    i = close;
  }
  if (out.empty()) throw ConfigError("cannot read the Slurm node list '" + node_list + "'");
  return out;
}

WorldInfo detect_world() {
  WorldInfo w;
  if (env_int("WORLD_SIZE") && env_int("RANK")) {
    w.launcher = "torchrun";
    w.rank = *env_int("RANK");
    w.world_size = *env_int("WORLD_SIZE");
    w.local_rank = env_int("LOCAL_RANK").value_or(0);
    w.master_addr = env_string("MASTER_ADDR", "127.0.0.1");
    w.master_port = env_int("MASTER_PORT").value_or(29500);
  } else if (env_int("SLURM_NTASKS") && env_int("SLURM_PROCID")) {
    w.launcher = "slurm";
    w.rank = *env_int("SLURM_PROCID");
    w.world_size = *env_int("SLURM_NTASKS");
    w.local_rank = env_int("SLURM_LOCALID").value_or(0);
    const std::string nodes = env_string("SLURM_STEP_NODELIST", env_string("SLURM_JOB_NODELIST", ""));
    w.master_addr = env_string("MASTER_ADDR", nodes.empty() ? "127.0.0.1" : first_slurm_host(nodes));
    // One port per job, so that two jobs sharing a node do not meet each other.
    w.master_port = env_int("MASTER_PORT").value_or(29500 + env_int("SLURM_JOB_ID").value_or(0) % 2000);
  }
  if (w.world_size < 1) throw ConfigError("the world size must be at least 1, got " + std::to_string(w.world_size));
  if (w.rank >= w.world_size)
    throw ConfigError("rank " + std::to_string(w.rank) + " is outside a world of " + std::to_string(w.world_size));
  return w;
}

struct Distributed::State {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  /// Created at the first collective on CUDA tensors (every rank reaches it at the same call).
  c10::intrusive_ptr<c10d::Backend> nccl;
  c10::intrusive_ptr<c10d::Store> heartbeat_store;  // its own connection: used from the watcher thread
  std::thread watcher;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::string fault;
};

namespace {
c10::intrusive_ptr<c10d::Store> connect_store(const WorldInfo& w, bool server, std::chrono::seconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(w.master_port);
  o.isServer = server;
  o.numWorkers = server ? std::optional<int>(w.world_size) : std::nullopt;
  o.waitWorkers = false;
  o.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(w.master_addr, o);
}
}  // namespace

Distributed::Distributed(const WorldInfo& world, std::chrono::seconds timeout)
    : world_(world), timeout_(timeout), state_(std::make_unique<State>()) {
  const std::string where = world.master_addr + ":" + std::to_string(world.master_port);
  try {
    state_->store = connect_store(world, world.rank == 0, timeout);
    state_->heartbeat_store = connect_store(world, false, timeout);
    auto options = c10d::ProcessGroupGloo::Options::create();
    options->timeout = timeout;
    // The interface that reaches the master: the address the rendezvous uses.
    options->devices.push_back(world.master_addr == "127.0.0.1" || world.master_addr == "localhost"
                                   ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
    state_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", state_->store), world.rank, world.world_size, options);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(world.rank) + " of " + std::to_string(world.world_size) +
                " could not join the run at " + where + " within " + std::to_string(timeout.count()) +
                " s (is every rank started, and is MASTER_ADDR/MASTER_PORT reachable?): " + e.what());
  }
  state_->watcher = std::thread([this] {
    // Beat once a second; watch the others' counters. A counter that stands still for the
    // timeout means that rank is gone; a store that cannot be reached means rank 0 is.
    std::vector<int64_t> last(static_cast<size_t>(world_.world_size), -1);
    std::vector<std::chrono::steady_clock::time_point> seen(last.size(), std::chrono::steady_clock::now());
    std::unique_lock lock(state_->mutex);
    while (!state_->stopping) {
      lock.unlock();
      std::string fault;
      try {
        state_->heartbeat_store->add("heartbeat/" + std::to_string(world_.rank), 1);
        const auto now = std::chrono::steady_clock::now();
        for (int r = 0; r < world_.world_size && fault.empty(); ++r) {
          if (r == world_.rank || state_->heartbeat_store->check({"data/finished/" + std::to_string(r)})) continue;
          const std::string key = "heartbeat/" + std::to_string(r);
          const int64_t beat = state_->heartbeat_store->check({key}) ? state_->heartbeat_store->add(key, 0) : 0;
          if (beat != last[static_cast<size_t>(r)]) {
            last[static_cast<size_t>(r)] = beat;
            seen[static_cast<size_t>(r)] = now;
          } else if (now - seen[static_cast<size_t>(r)] > timeout_) {
            fault = "rank " + std::to_string(r) + " stopped responding (no heartbeat for " +
                    std::to_string(timeout_.count()) + " s): it died, was killed or lost its machine";
          }
        }
      } catch (const std::exception& e) {
        fault = "lost contact with rank 0, which hosts the run's rendezvous store (" + std::string(e.what()) +
                "): rank 0 died or its machine is unreachable";
      }
      lock.lock();
      if (!fault.empty() && !state_->stopping) {
        state_->fault = fault;
        request_fault_stop(fault);
        spdlog::error("{}", fault);
        break;
      }
      state_->wake.wait_for(lock, std::chrono::seconds(1), [&] { return state_->stopping; });
    }
  });
}

Distributed::~Distributed() { stop_watcher(); }

void Distributed::finish() {
  publish("finished/" + std::to_string(rank()), "1");
  std::vector<std::string> keys;
  for (int r = 0; r < size(); ++r) keys.push_back("finished/" + std::to_string(r));
  collect(keys);
  stop_watcher();
  // Rank 0 hosts the store: it leaves only after every other rank has said it will not
  // touch the store again (bounded by the timeout, as the watcher no longer runs).
  if (rank() != 0) {
    publish("left/" + std::to_string(rank()), "1");
    return;
  }
  std::vector<std::string> left;
  for (int r = 1; r < size(); ++r) left.push_back("data/left/" + std::to_string(r));
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (!state_->store->check(left) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void Distributed::stop_watcher() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (state_->watcher.joinable()) state_->watcher.join();
}

std::string Distributed::fault() const {
  std::lock_guard lock(state_->mutex);
  return state_->fault;
}

void Distributed::barrier() {
  try {
    state_->group->barrier()->wait(timeout_);
  } catch (const std::exception& e) {
    const std::string f = fault();
    throw Error("barrier of rank " + std::to_string(rank()) + " failed: " + (f.empty() ? e.what() : f));
  }
}

void Distributed::all_reduce_sum(at::Tensor& tensor) {
  std::vector<at::Tensor> tensors{tensor};
  try {
    state_->group->allreduce(tensors)->wait(timeout_);
  } catch (const std::exception& e) {
    const std::string f = fault();
    throw Error("all-reduce on rank " + std::to_string(rank()) + " failed: " + (f.empty() ? e.what() : f));
  }
}

namespace {

/// One flat buffer per (dtype, device), in the order of first appearance: on its CUDA device
/// when `keep_cuda` (NCCL), else on the CPU (Gloo). `apply` runs the collective on each, and
/// the results are copied back into the tensors.
void over_flat_buffers(std::vector<at::Tensor>& tensors, bool keep_cuda,
                       const std::function<void(at::Tensor&)>& apply) {
  using Key = std::pair<at::ScalarType, c10::Device>;
  auto key_of = [&](const at::Tensor& t) {
    return Key{t.scalar_type(), keep_cuda && t.is_cuda() ? t.device() : c10::Device(at::kCPU)};
  };
  std::vector<Key> keys;
  for (const auto& t : tensors)
    if (std::find(keys.begin(), keys.end(), key_of(t)) == keys.end()) keys.push_back(key_of(t));
  for (const auto& key : keys) {
    std::vector<at::Tensor> parts;
    std::vector<size_t> which;
    for (size_t i = 0; i < tensors.size(); ++i)
      if (key_of(tensors[i]) == key) {
        parts.push_back(tensors[i].detach().reshape({-1}).to(key.second));
        which.push_back(i);
      }
    at::Tensor flat = at::cat(parts);
    apply(flat);
    int64_t offset = 0;
    for (size_t i : which) {
      at::Tensor& t = tensors[i];
      const int64_t n = t.numel();
      at::NoGradGuard no_grad;
      t.copy_(flat.narrow(0, offset, n).view(t.sizes()));
      offset += n;
    }
  }
}

}  // namespace

c10d::Backend& Distributed::backend_for(const at::Tensor& flat) {
#ifdef NASHOST_HAVE_NCCL
  if (flat.is_cuda()) {
    if (!state_->nccl) {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout_;
      state_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          c10::make_intrusive<c10d::PrefixStore>("nccl", state_->store), rank(), size(), options);
    }
    return *state_->nccl;
  }
#endif
  return *state_->group;
}

bool Distributed::has_nccl() {
#ifdef NASHOST_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

void Distributed::all_reduce_sum(std::vector<at::Tensor>& tensors) {
  over_flat_buffers(tensors, has_nccl(), [&](at::Tensor& flat) {
    if (!flat.is_cuda()) return all_reduce_sum(flat);
    std::vector<at::Tensor> one{flat};
    try {
      backend_for(flat).allreduce(one)->wait(timeout_);
    } catch (const std::exception& e) {
      const std::string f = fault();
      throw Error("all-reduce (NCCL) on rank " + std::to_string(rank()) + " failed: " + (f.empty() ? e.what() : f));
    }
  });
}

void Distributed::broadcast(std::vector<at::Tensor>& tensors, int root) {
  over_flat_buffers(tensors, has_nccl(), [&](at::Tensor& flat) {
    std::vector<at::Tensor> one{flat};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    try {
      backend_for(flat).broadcast(one, options)->wait(timeout_);
    } catch (const std::exception& e) {
      const std::string f = fault();
      throw Error("broadcast on rank " + std::to_string(rank()) + " failed: " + (f.empty() ? e.what() : f));
    }
  });
}

struct InstalledCollectives::Adapter : nas::Collectives {
  explicit Adapter(Distributed& d) : dist(d) {}
  int rank() const override { return dist.rank(); }
  int world_size() const override { return dist.size(); }
  void all_reduce_sum(std::vector<at::Tensor>& tensors) override { dist.all_reduce_sum(tensors); }
  void broadcast(std::vector<at::Tensor>& tensors, int root) override { dist.broadcast(tensors, root); }
  void wait_for_all() override {
    // Through the store, whose waits stop for a dead rank only (Distributed::collect), not
    // through a Gloo barrier, whose wait is bounded by the timeout.
    const std::string call = "collectives/wait/" + std::to_string(waits++) + "/";
    dist.publish(call + std::to_string(dist.rank()), "1");
    std::vector<std::string> keys;
    for (int r = 0; r < dist.size(); ++r) keys.push_back(call + std::to_string(r));
    dist.collect(keys);
  }
  Distributed& dist;
  int64_t waits = 0;  // every rank makes the same calls in the same order
};

InstalledCollectives::InstalledCollectives(Distributed& dist) : adapter_(std::make_unique<Adapter>(dist)) {
  nas::set_process_collectives(adapter_.get());
}

InstalledCollectives::~InstalledCollectives() { nas::set_process_collectives(nullptr); }

std::string Distributed::broadcast(const std::string& value, int root) {
  static std::atomic<int> calls{0};
  const std::string key = "broadcast/" + std::to_string(calls++);
  if (rank() == root) publish(key, value);
  return collect({key}).front();
}

void Distributed::publish(const std::string& key, const std::string& value) {
  state_->store->set("data/" + key, bytes_of(value));
}

std::vector<std::string> Distributed::collect(const std::vector<std::string>& keys) {
  std::vector<std::string> full;
  for (const auto& k : keys) full.push_back("data/" + k);
  // Short waits in a loop: each return checks for a fault, so a dead rank ends the wait
  // within the timeout while a slow (alive) one is waited for as long as it takes.
  while (true) {
    if (const std::string f = fault(); !f.empty()) throw Error(f);
    if (stop_signal_received()) throw Interrupted("stopped while waiting for the other ranks");
    try {
      if (state_->store->check(full)) break;
    } catch (const std::exception& e) {
      throw Error("lost contact with rank 0 (the rendezvous store): " + std::string(e.what()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<std::string> out;
  for (const auto& k : full) out.push_back(string_of(state_->store->get(k)));
  return out;
}

}  // namespace nas::host
