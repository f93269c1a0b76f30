-- PC-DARTS (Xu et al. 2020) on Fashion-MNIST: search with partial channel connections and edge
-- normalisation -> derive -> train the cell from scratch beside DARTS_V2 -> results table.
-- The strategy is built outside the host, against the installed SDK (strategies/pc_darts):
--   tools/build-strategies.sh
--   nashost --plugin-path build/strategies/plugins run scripts/fmnist_pc_darts.lua [--profile paper|tiny]
-- Config: configs/fmnist_pc_darts.toml.
require("darts_pipeline").run("PC-DARTS on Fashion-MNIST", {strategy = "pc-darts"})
