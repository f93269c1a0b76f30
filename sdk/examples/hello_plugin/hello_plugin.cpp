// The smallest useful plugin: an operation set "hello-ops" with one op that doubles its input.
#include <nashost/error.hpp>
#include <nashost/plugin.hpp>

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

void register_components(nas::Registrar& r) {
  r.add_operation_set({"hello-ops", "example out-of-tree operation set (doubles its input)", {}},
                      [](const nas::Config&, nas::HostContext&) { return std::make_shared<HelloOps>(); });
}

}  // namespace

NASHOST_PLUGIN("hello-plugin", "1.0.0", register_components)
