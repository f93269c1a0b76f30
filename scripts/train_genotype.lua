-- Train one genotype from scratch and test it. Config: configs/train_genotype.toml.
-- cfg.genotype is a file path or a published name (DARTS_V1, DARTS_V2).
--   nashost run scripts/train_genotype.lua --set genotype=runs/x/genotypes/darts_fashion-mnist.json
local cfg = nas.config()
local d, info, note = require("dataset_common").open(cfg)

local g
if cfg.genotype:match("^[%u%d_]+$") then g = nas.genotype.named(cfg.genotype)
else g = nas.genotype.load(cfg.genotype) end
nas.log.info("training %s", g:text())

local t = nas.trainer(cfg.trainer or "darts-eval", cfg.train)
nas.log.info("parameters (aux head excluded): %d", t:params(g, d))
local r = t:train(g, d)
nas.export(r.model_file)  -- export/<label>: PyTorch weights + config (docs/export.md)
nas.record{genotype = cfg.genotype, data = note, params = r.params, test_accuracy = r.test_accuracy,
           test_r2 = r.test_r2, test_loss = r.test_loss, model = r.model_file}
nas.report{title = "train " .. cfg.genotype .. " on " .. info.name,
           columns = {"genotype", "params", "test_accuracy", "test_r2", "test_loss", "data"}}
