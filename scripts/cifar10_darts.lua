-- DARTS on CIFAR-10: search -> derive -> train from scratch -> test, with a results table.
-- Config: configs/cifar10_darts.toml (profiles: quick, paper).
local cfg = nas.config()
local ds_opts = {}
for k, v in pairs(cfg.dataset) do if k ~= "name" then ds_opts[k] = v end end
local d, err = nas.dataset(cfg.dataset.name, ds_opts)
if not d then error("dataset " .. cfg.dataset.name .. ": " .. err) end
local info = d:info()
if info.synthetic then nas.log.warn("dataset %s is SYNTHETIC", info.name) end

local s = nas.search("darts", {dataset = d, options = cfg.search, label = "search"})
local last = s:run()
nas.log.info("search finished: valid_accuracy %.4f", last.valid_accuracy or 0)
local g = s:derive({})[1]
g:save(nas.path("genotypes", "darts_" .. info.name .. ".json"))
g:plot(nas.path("genotypes", "darts_" .. info.name))
nas.log.info("genotype = %s", g:text())

local function train(label, genotype)
  local opts = {}
  for k, v in pairs(cfg.train) do opts[k] = v end
  opts.label = label
  local r = nas.trainer("darts-eval", opts):train(genotype, d)
  nas.record{genotype = label, params = r.params, test_accuracy = r.test_accuracy,
             test_r2 = r.test_r2, test_loss = r.test_loss, model = r.model_file}
end

train("searched", g)
for _, name in ipairs((cfg.compare or {}).named or {}) do train(name, nas.genotype.named(name)) end
nas.report{title = "DARTS on " .. info.name .. " (" .. nas.run_info().profile .. ")",
           columns = {"genotype", "params", "test_accuracy", "test_loss"}}
