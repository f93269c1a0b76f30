// The smallest useful plugin: an operation set "hello-ops" with one op that doubles its
// input, and a search strategy "hello-search" that a Lua script can run like any other
// (nas.search("hello-search", {dataset = d, options = {epochs = 2}}):run()).
#include <fstream>

#include <nashost/context.hpp>
#include <nashost/dataset.hpp>
#include <nashost/error.hpp>
#include <nashost/plugin.hpp>
#include <nashost/strategy.hpp>

namespace {

class Double final : public nas::Op {
 public:
  at::Tensor forward(const at::Tensor& x) override { return x * 2; }
};

class HelloOps final : public nas::OperationSet {
 public:
  const std::vector<std::string>& ops() const override { return names_; }
  std::shared_ptr<nas::Op> make(const std::string& op, const nas::OpArgs&) const override {
    index_of(op);  // throws a ConfigError naming the valid ops
    return std::make_shared<Double>();
  }

 private:
  std::vector<std::string> names_{"double"};
};

/// A "search" that only counts epochs: enough to show the life cycle the host drives
/// (epochs with metrics, checkpoints through save/load, derive).
class HelloSearch final : public nas::SearchStrategy {
 public:
  HelloSearch(int64_t epochs, std::string dataset) : epochs_(epochs), dataset_(std::move(dataset)) {}
  int64_t total_epochs() const override { return epochs_; }
  int64_t completed_epochs() const override { return done_; }
  nas::Metrics run_epoch() override {
    ++done_;
    return {{"score", static_cast<double>(done_) / static_cast<double>(epochs_)}};
  }
  void save(const std::filesystem::path& file) const override { std::ofstream(file) << done_ << "\n"; }
  void load(const std::filesystem::path& file) override {
    std::ifstream in(file);
    if (!(in >> done_)) throw nas::Error("hello-search: cannot read checkpoint " + file.string());
  }
  std::vector<nas::Genotype> derive(const nas::Config&) override { return {}; }
  nas::Json state_summary() const override { return {{"dataset", dataset_}, {"epochs", done_}}; }

 private:
  int64_t epochs_, done_ = 0;
  std::string dataset_;
};

void register_components(nas::Registrar& r) {
  r.add_operation_set({"hello-ops", "example out-of-tree operation set (doubles its input)", {}},
                      [](const nas::Config&, nas::HostContext&) { return std::make_shared<HelloOps>(); });
  r.add_strategy({"hello-search",
                  "example out-of-tree strategy (counts epochs)",
                  {{"epochs", nas::OptionType::Int, 3, "epochs to count"}}},
                 [](const nas::Config& o, std::shared_ptr<nas::Dataset> data, nas::HostContext&) {
                   return std::make_shared<HelloSearch>(o.get_int("epochs"), data->info().name);
                 });
}

}  // namespace

NASHOST_PLUGIN("hello-plugin", "1.0.0", register_components)
