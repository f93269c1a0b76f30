-- Train one genotype from scratch and test it. Config: configs/train_genotype.toml.
-- cfg.genotype is a file path or a published name (DARTS_V1, DARTS_V2).
local cfg = nas.config()
local ds_opts = {}
for k, v in pairs(cfg.dataset) do if k ~= "name" then ds_opts[k] = v end end
local d, err = nas.dataset(cfg.dataset.name, ds_opts)
if not d then error("dataset " .. cfg.dataset.name .. ": " .. err) end

local g
if cfg.genotype:match("^[%u%d_]+$") then g = nas.genotype.named(cfg.genotype)
else g = nas.genotype.load(cfg.genotype) end
nas.log.info("training %s", g:text())

local t = nas.trainer(cfg.trainer or "darts-eval", cfg.train)
nas.log.info("parameters (aux head excluded): %d", t:params(g, d))
local r = t:train(g, d)
nas.record{genotype = cfg.genotype, params = r.params, test_accuracy = r.test_accuracy,
           test_r2 = r.test_r2, test_loss = r.test_loss, model = r.model_file}
nas.report{title = "train " .. cfg.genotype, columns = {"genotype", "params", "test_accuracy", "test_r2", "test_loss"}}
