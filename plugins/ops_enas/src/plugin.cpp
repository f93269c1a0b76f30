// Registers the ENAS operation sets.
#include <nashost/plugin.hpp>

#include "enas_cnn_ops.hpp"
#include "enas_rnn_ops.hpp"

static void register_components(nas::Registrar& r) {
  r.add_operation_set(
      {"enas-rnn", "ENAS recurrent-cell activations: tanh, ReLU, identity, sigmoid", {}},
      [](const nas::Config&, nas::HostContext&) { return std::make_shared<nas::enas::EnasRnnOperationSet>(); });
  r.add_operation_set(
      {"enas-cnn",
       "ENAS micro (cell) search space ops: sep_conv_3x3, sep_conv_5x5, avg_pool_3x3, max_pool_3x3, identity",
       {}},
      [](const nas::Config&, nas::HostContext&) { return std::make_shared<nas::enas::EnasCnnOperationSet>(); });
}

NASHOST_PLUGIN("ops_enas", "0.1.0", register_components)
