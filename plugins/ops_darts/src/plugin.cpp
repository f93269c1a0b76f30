// Registers the "darts" operation set (docs/methods.md, DARTS, quark0 order, `none` first).
//
// Where the set lives: its modules are SDK code (nashost/nn/darts_ops.hpp), because the
// networks built from DARTS cells in the SDK (the search supernet, the evaluation network)
// and in other plugins (DARTS-CC, the ENAS CNNs' preprocessing and reductions) share them.
// This plugin only makes the set a component under the name "darts", so networks obtain
// their candidate ops through the registry like any other operation set, and a plugin can
// register a different set under another name (see sdk/examples).
#include <nashost/nn/darts_ops.hpp>
#include <nashost/plugin.hpp>

namespace {

void register_components(nas::Registrar& r) {
  r.add_operation_set(
      {"darts", "DARTS primitives: none, max/avg pool 3x3, skip, sep conv 3x3/5x5, dil conv 3x3/5x5", {}},
      [](const nas::Config&, nas::HostContext&) { return std::make_shared<nas::nn::DartsOperationSet>(); });
}

}  // namespace

NASHOST_PLUGIN("ops_darts", "0.1.0", register_components)
