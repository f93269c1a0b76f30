-- DARTS on Fashion-MNIST: search -> derive -> train from scratch -> test, with a results table.
-- Config: configs/fmnist_darts.toml (profiles: quick, paper, tiny).
--   nashost run scripts/fmnist_darts.lua [--profile paper] [--set search.order=1]
require("darts_pipeline").run("DARTS on Fashion-MNIST")
