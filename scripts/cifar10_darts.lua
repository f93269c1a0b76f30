-- DARTS on CIFAR-10: search -> derive -> train from scratch -> test, with a results table.
-- Config: configs/cifar10_darts.toml (profiles: quick, paper, tiny).
--   nashost run scripts/cifar10_darts.lua [--profile paper] [--set search.order=1]
require("darts_pipeline").run("DARTS on CIFAR-10")
