-- The random-architecture baseline of DARTS-CC on Fashion-MNIST (docs/methods.md, DARTS-CC): 20 genotypes
-- whose share of parameter-free ops grows from 0 to 1, each fine-tuned with the one-hot
-- trainer; table + scatter of test accuracy vs parameters. Config: configs/fmnist_random.toml.
local M = require("darts_cc_common")

local cfg = nas.config()
local d, info, note = M.open_dataset(cfg)
nas.log.info("DARTS-CC random baseline on %s (%s), profile %s", info.name, note, tostring(cfg.profile))
local trainer, trainer_name = M.trainer(cfg)
local pts = M.random_baseline(cfg, d, note, trainer, trainer_name)
nas.report{title = "DARTS-CC random baseline (" .. note .. ")",
           columns = {"group", "share_free", "params", "test_accuracy", "trainer", "data"}}
local ok, err = pcall(nas.plot.scatter, {
  file = "acc_vs_params", title = "Random genotypes: test accuracy vs parameters (" .. note .. ")",
  xlabel = "parameters", ylabel = "test accuracy (best epoch)", series = {M.series("random", pts)}})
if not ok then nas.log.warn("could not draw the scatter plot: %s", tostring(err)) end
