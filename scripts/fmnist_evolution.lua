-- Regularised evolution (Real et al. 2019) on Fashion-MNIST: train random architectures, then
-- children of tournament winners (one mutation each), the oldest leaving the population ->
-- the fittest found -> train it from scratch beside DARTS_V2 -> results table.
-- The strategy is built outside the host, against the installed SDK (strategies/evolution):
--   tools/build-strategies.sh
--   nashost --plugin-path build/strategies/plugins run scripts/fmnist_evolution.lua [--profile paper|tiny]
--   NAS_PLUGIN_PATH=build/strategies/plugins nashost launch --nproc 2 -- run scripts/fmnist_evolution.lua
--     (each round's children shared by 2 ranks; the same results as one process)
-- Config: configs/fmnist_evolution.toml.
require("darts_pipeline").run("Regularised evolution on Fashion-MNIST", {strategy = "evolution"})
