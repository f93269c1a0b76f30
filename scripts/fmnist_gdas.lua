-- GDAS (Dong & Yang 2019) on Fashion-MNIST: search with one sampled op per edge and step
-- (hard Gumbel-softmax, temperature 10 -> 0.1) -> derive by the DARTS rule -> train the cell
-- from scratch beside DARTS_V2 -> results table.
-- The strategy is built outside the host, against the installed SDK (strategies/gdas):
--   tools/build-strategies.sh
--   nashost --plugin-path build/strategies/plugins run scripts/fmnist_gdas.lua [--profile paper|tiny]
-- Config: configs/fmnist_gdas.toml.
require("darts_pipeline").run("GDAS on Fashion-MNIST", {strategy = "gdas"})
