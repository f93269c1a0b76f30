// Registers the "darts" operation set (docs/methods.md, DARTS, quark0 order, `none` first).
#include <nashost/nn/darts_ops.hpp>
#include <nashost/plugin.hpp>

namespace {

void register_components(nas::Registrar& r) {
  r.add_operation_set(
      {"darts",
       "DARTS primitives: none, max/avg pool 3x3, skip, sep conv 3x3/5x5, dil conv 3x3/5x5",
       {}},
      [](const nas::Config&, nas::HostContext&) { return std::make_shared<nas::nn::DartsOperationSet>(); });
}

}  // namespace

NASHOST_PLUGIN("ops_darts", "0.1.0", register_components)
