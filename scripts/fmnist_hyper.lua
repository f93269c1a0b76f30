-- DARTS-CC on Fashion-MNIST (Yakovlev et al., "Neural architecture search with structure
-- complexity control"): one search yields architectures for every complexity λ; derive
-- at λ̃ = 0 … 1, fine-tune each, plot test accuracy against parameter count.
-- Config: configs/fmnist_hyper.toml (profiles quick | paper | tiny).
--   nashost run scripts/fmnist_hyper.lua                  (quick: ~10 min on 2 CPU cores)
--   nashost run scripts/fmnist_hyper.lua --profile paper  (the authors' settings; GPU)
--   nashost run scripts/fmnist_hyper.lua --set finetune.trainer=darts-eval
require("darts_cc_common").run("DARTS-CC mini Fashion-MNIST", "fashion-mnist")
