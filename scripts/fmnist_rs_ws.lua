-- Random search with weight sharing (Li & Talwalkar 2019) on Fashion-MNIST: train the DARTS
-- supernet on random architectures -> rank random architectures with the shared weights ->
-- train the best from scratch beside DARTS_V2 -> results table.
-- The strategy is built outside the host, against the installed SDK (strategies/rs_ws):
--   tools/build-strategies.sh
--   nashost --plugin-path build/strategies/plugins run scripts/fmnist_rs_ws.lua [--profile paper|tiny]
-- Config: configs/fmnist_rs_ws.toml.
require("darts_pipeline").run("Random search with weight sharing on Fashion-MNIST", {strategy = "rs-ws"})
