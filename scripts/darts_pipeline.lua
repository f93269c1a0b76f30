-- Shared pipeline of scripts/fmnist_darts.lua, scripts/cifar10_darts.lua and the scripts of
-- the other strategies of the DARTS cell space (scripts/fmnist_rs_ws.lua): search -> derive ->
-- train the derived cell from scratch (and the published cells named in [compare]) -> test ->
-- results table.
local data = require("dataset_common")
local M = {}

local function copy(t)
  local out = {}
  for k, v in pairs(t or {}) do out[k] = v end
  return out
end

-- A strategy built outside the host (strategies/) is loaded only with --plugin-path: say so.
local function require_strategy(name)
  for _, p in ipairs(nas.plugins()) do
    if p.name == name and p.kind == "strategy" then return end
  end
  error(string.format("strategy '%s' is not loaded: build it with tools/build-strategies.sh and run with " ..
                      "--plugin-path build/strategies/plugins (or set NAS_PLUGIN_PATH)", name), 0)
end

-- how: {strategy = name (default "darts"), prefix = file-name prefix of the genotype (default
-- the strategy's name), after_search = function(search) called once the search has run
-- (e.g. to draw its own pictures)}.
function M.run(title, how)
  how = how or {}
  local strategy = how.strategy or "darts"
  local prefix = how.prefix or strategy:gsub("-", "_")
  if strategy ~= "darts" then require_strategy(strategy) end
  local cfg = nas.config()
  local d, info, note = data.open(cfg)

  local s = nas.search(strategy, {dataset = d, options = cfg.search, label = "search"})
  -- the status line's ETA: the search, then one training per genotype
  local trainings = 1 + #((cfg.compare or {}).named or {})
  nas.plan{search_epochs = s:total_epochs(), train_epochs = trainings * ((cfg.train or {}).epochs or 0)}
  local last = s:run()
  if how.after_search then how.after_search(s) end
  -- a multi-trial search (evolution) reports the best architecture's, a one-shot search its supernet's
  local metric = last.valid_r2 and "valid_r2" or last.best_valid_accuracy and "best_valid_accuracy" or "valid_accuracy"
  nas.log.info("search finished: %s %.4f", metric, last[metric] or 0)
  local g = s:derive(cfg.derive or {})[1]
  g:save(nas.path("genotypes", prefix .. "_" .. info.name .. ".json"))
  local ok, perr = pcall(function() g:plot(nas.path("genotypes", prefix .. "_" .. info.name)) end)
  if not ok then nas.log.warn("could not draw the derived cells: %s", tostring(perr)) end
  nas.log.info("genotype = %s", g:text())

  local function train(label, genotype)
    local opts = copy(cfg.train)
    opts.label = label
    local r = nas.trainer("darts-eval", opts):train(genotype, d, {label = label})
    nas.export(r.model_file)  -- export/<label>: PyTorch weights + config (docs/export.md)
    nas.record{genotype = label, data = note, params = r.params, test_accuracy = r.test_accuracy,
               test_r2 = r.test_r2, test_loss = r.test_loss, model = r.model_file}
  end
  -- the searched genotype and the published ones train side by side when several ranks run
  local jobs = {{label = "searched", genotype = g}}
  for _, name in ipairs((cfg.compare or {}).named or {}) do
    jobs[#jobs + 1] = {label = name, genotype = nas.genotype.named(name)}
  end
  nas.parallel(jobs, function(job) train(job.label, job.genotype) end)
  nas.report{title = title .. " (" .. note .. ", profile " .. nas.run_info().profile .. ")",
             columns = {"genotype", "params", "test_accuracy", "test_r2", "test_loss", "data"}}
end

return M
