-- Shared pipeline of the DARTS-CC scripts (fmnist_hyper.lua, cifar10_hyper.lua,
-- fmnist_random.lua): dataset with a loud synthetic fallback, the fine-tuning trainer
-- chosen in the config, the random and DARTS baselines, records and the scatter plot.
local M = {}

-- The normalised complexities derived when [derive] lambdas is not given (the authors' five).
M.DEFAULT_LAMBDAS = {0, 0.25, 0.5, 0.75, 1}

-- The DARTS-CC integer encoding (none LAST); used to turn a DARTS baseline's alphas into
-- a genotype with the `simple` rule (argmax per edge, none included).
M.DARTS_CC_ORDER = {"max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                    "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5", "none"}

local function merged(base, over)
  local out = {}
  for k, v in pairs(base or {}) do out[k] = v end
  for k, v in pairs(over or {}) do out[k] = v end
  return out
end
M.merged = merged

-- The configured dataset, or (files missing) the synthetic fallback, said loudly.
M.open_dataset = require("dataset_common").open

-- The data the fine-tunes train and test on: the search's dataset, or, with
-- [finetune.dataset_options], the same dataset opened with those options merged over
-- [dataset.options] (e.g. the full training set, while the search uses a subset).
function M.finetune_data(cfg, d, info)
  local over = (cfg.finetune or {}).dataset_options
  if not over or info.synthetic then return d end
  local ds = cfg.dataset or {}
  local fd = assert(nas.dataset(ds.name or info.name, merged(ds.options, over)))
  nas.log.info("fine-tuning data: %s with [finetune.dataset_options]: %d training and %d test images", info.name,
               fd:size("train_full"), fd:size("test"))
  return fd
end

-- The fine-tuning trainer: [finetune] trainer = "one-hot" | "darts-eval", its options in
-- [finetune.<trainer>]; `extra` (a table) is merged over them (e.g. no cutout for random).
function M.trainer(cfg, extra)
  local ft = cfg.finetune or {}
  local name = ft.trainer or "one-hot"
  return nas.trainer(name, merged(ft[name] or {}, extra)), name
end

local function fmt_lambda(x) return (string.format("%.2f", x):gsub("%.", "_")) end
M.fmt_lambda = fmt_lambda

-- DARTS-CC search → derive at each λ̃ → fine-tune each; returns {λ̃ → {params=, acc=}}.
-- One search and its fine-tuned genotypes. `run` = {seed=, suffix=} names the checkpoints,
-- genotype files and training folders of one seed ("" suffix when the script runs one seed).
function M.darts_cc(cfg, d, data_note, trainer, trainer_name, run, fd)
  run = run or {suffix = ""}
  local s = nas.search("darts-cc", {dataset = d, options = cfg.search or {}, label = "search" .. run.suffix})
  s:run()
  local dv = cfg.derive or {}
  local rule = dv.rule or "simple"
  -- derive and draw every λ̃ first (cheap, on every rank), then fine-tune them side by side
  -- (nas.parallel: one per rank when several run; a plain loop otherwise)
  local plan = {}
  for _, lt in ipairs(dv.lambdas or M.DEFAULT_LAMBDAS) do
    local g = s:derive({lambda = lt, rule = rule})[1]
    local tag = "darts_cc_" .. fmt_lambda(lt) .. run.suffix
    -- the authors' file names: genotype_<λ̃> (one seed), genotype_<seed>_<λ̃> (several)
    local file = run.seed and ("genotype_" .. run.seed .. "_" .. fmt_lambda(lt)) or ("genotype_" .. fmt_lambda(lt))
    g:save(nas.path("genotypes", file .. ".json"))
    local ok, perr = pcall(function() g:plot(nas.path("genotypes", tag)) end)
    if not ok then nas.log.warn("could not draw the cells of %s: %s", tag, tostring(perr)) end
    plan[#plan + 1] = {lambda = lt, genotype = g, tag = tag}
  end
  return nas.parallel(plan, function(p)
    local g = p.genotype
    local r = trainer:train(g, fd or d, {label = p.tag})
    nas.export(r.model_file)  -- export/<label>: PyTorch weights + config (docs/export.md)
    nas.log.info("DARTS-CC lambda~ %.2f (log10 lambda %.2f)%s: %d parameters, test accuracy %.4f",
                 p.lambda, g.meta.log10_lambda, run.seed and (", seed " .. run.seed) or "", r.params, r.test_accuracy)
    nas.record{group = "darts-cc", seed = run.seed, lambda = p.lambda, log10_lambda = g.meta.log10_lambda,
               params = r.params, test_accuracy = r.test_accuracy,
               expected_params = math.floor(g.meta.expected_params + 0.5), trainer = trainer_name, data = data_note}
    return {lambda = p.lambda, params = r.params, acc = r.test_accuracy}
  end)
end

-- Random baseline (docs/methods.md, DARTS-CC): `count` genotypes with a growing share of parameter-free ops.
function M.random_baseline(cfg, d, data_note, trainer, trainer_name, fd)
  local rb = (cfg.baselines or {}).random_options or {}
  local s = nas.search("darts-cc-random", {dataset = d, options = rb, label = "random"})
  -- every genotype is an independent training: side by side when several ranks run
  return nas.parallel(s:derive({}), function(g, k)
    local tag = string.format("random_%02d", k - 1)
    g:save(nas.path("genotypes", "random_genotype_" .. (k - 1) .. ".json"))
    local r = trainer:train(g, fd or d, {label = tag})
    nas.export(r.model_file)
    nas.record{group = "random", lambda = "", log10_lambda = "", params = r.params,
               test_accuracy = r.test_accuracy, share_free = g.meta.parameter_free_share,
               trainer = trainer_name, data = data_note}
    return {params = r.params, acc = r.test_accuracy}
  end)
end

-- Plain-DARTS baseline: the "darts" strategy, its alphas discretised with `simple`.
function M.darts_baseline(cfg, d, data_note, trainer, trainer_name, run, fd)
  run = run or {suffix = ""}
  local opts = (cfg.baselines or {}).darts_search or {}
  local s = nas.search("darts", {dataset = d, options = opts, label = "darts" .. run.suffix})
  s:run()
  local st = s:state()
  local index = {}
  for i, name in ipairs(M.DARTS_CC_ORDER) do index[name] = i - 1 end
  local function cell(probs)
    local nodes, e = {}, 1
    local n = 0
    while #probs >= (n + 1) * (n + 4) / 2 do n = n + 1 end
    for node = 0, n - 1 do
      local row = {}
      for _ = 0, node + 1 do
        local best = 1
        for o = 2, #probs[e] do if probs[e][o] > probs[e][best] then best = o end end
        row[#row + 1] = tostring(index[st.ops[best]])
        e = e + 1
      end
      nodes[#nodes + 1] = "[" .. table.concat(row, ",") .. "]"
    end
    return "[" .. table.concat(nodes, ",") .. "]"
  end
  local g = nas.genotype.parse("[" .. cell(st.alpha_reduce) .. "," .. cell(st.alpha_normal) .. "]")
  g:save(nas.path("genotypes", "darts_genotype" .. (run.seed and ("_" .. run.seed) or "") .. ".json"))
  local r = trainer:train(g, fd or d, {label = "darts_baseline" .. run.suffix})
  nas.export(r.model_file)
  nas.record{group = "darts", seed = run.seed, lambda = "", log10_lambda = "", params = r.params,
             test_accuracy = r.test_accuracy, trainer = trainer_name, data = data_note}
  return {{params = r.params, acc = r.test_accuracy}}
end

function M.series(label, pts)
  local s = {label = label, x = {}, y = {}}
  for _, p in ipairs(pts) do
    s.x[#s.x + 1] = p.params
    s.y[#s.y + 1] = p.acc
  end
  return s
end

-- Warns if the largest λ̃ did not give the smallest network (the method's headline effect).
function M.check_trend(points)
  local last = points[#points]
  for i = 1, #points - 1 do
    if last and points[i].params < last.params then
      nas.log.warn("lambda~ %.2f gave %d parameters, fewer than lambda~ %.2f (%d): the search was too short "
                   .. "for the complexity control to act", points[i].lambda, points[i].params, last.lambda, last.params)
    end
  end
end

-- The authors' published points for `key` ("fmnist" | "cifar10"), from
-- configs/published/darts_cc_mini.toml (source named there); nil if unavailable.
function M.published(key)
  local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
  local ok, all = pcall(nas.read_toml, here .. "../configs/published/darts_cc_mini.toml")
  if not ok then
    nas.log.warn("the published figures are not available: %s", tostring(all))
    return nil
  end
  return all[key]
end

local function mean(xs)
  local s = 0
  for _, x in ipairs(xs) do s = s + x end
  return s / #xs
end

-- Published points as scatter series (one per group) and their per-group means as results
-- rows marked "published", so a reader sees at a glance how close the run came.
function M.add_published(pub, series)
  if not pub then return end
  local function points(group_series, params, accuracy)
    for i = 1, #params do
      group_series.x[#group_series.x + 1] = params[i]
      group_series.y[#group_series.y + 1] = accuracy[i]
    end
  end
  local cc = {label = "published DARTS-CC (all lambda~)", x = {}, y = {}}
  for _, g in ipairs(pub.darts_cc or {}) do
    points(cc, g.params, g.accuracy)
    nas.record{group = "published darts-cc", lambda = g.lambda, log10_lambda = "",
               params = math.floor(mean(g.params) + 0.5), test_accuracy = mean(g.accuracy),
               trainer = "one-hot", data = pub.title .. ", mean of " .. #g.params .. " seeds"}
  end
  series[#series + 1] = cc
  if pub.random_params then pub.random = {params = pub.random_params, accuracy = pub.random_accuracy} end
  for _, name in ipairs({"darts", "random"}) do
    local g = pub[name]
    if g then
      local s = {label = "published " .. name, x = {}, y = {}}
      points(s, g.params, g.accuracy)
      series[#series + 1] = s
      nas.record{group = "published " .. name, lambda = "", log10_lambda = "", params = math.floor(mean(g.params) + 0.5),
                 test_accuracy = mean(g.accuracy), trainer = "one-hot",
                 data = pub.title .. ", mean of " .. #g.params .. (name == "random" and " genotypes" or " seeds")}
    end
  end
end

-- The whole experiment of fmnist_hyper.lua / cifar10_hyper.lua.
-- The seeds of one script run: [seeds] in the config (the authors repeat every experiment
-- over 0;50;100;150;200), else the run's --seed.
function M.seeds(cfg)
  local seeds = cfg.seeds
  if type(seeds) ~= "table" or #seeds == 0 then return {nas.run_info().seed}, false end
  return seeds, #seeds > 1
end

-- Tells the host what this script will run (nas.plan), for the elapsed time and ETA of the
-- whole script on the status line after every epoch. Epoch counts the config leaves to a
-- component's defaults are not known here and count as 0.
function M.plan(cfg, trainer_name, seeds)
  local bl = cfg.baselines or {}
  local ft = (cfg.finetune or {})[trainer_name] or {}
  local ft_epochs = ft.epochs or 0
  local lambdas = #((cfg.derive or {}).lambdas or M.DEFAULT_LAMBDAS)
  local search = (cfg.search or {}).epochs or 0
  local train = lambdas * ft_epochs
  if bl.darts then
    search = search + ((bl.darts_search or {}).epochs or 0)
    train = train + ft_epochs
  end
  search, train = seeds * search, seeds * train
  if bl.random then
    train = train + ((bl.random_options or {}).count or 20) * ((bl.random_finetune or {}).epochs or ft_epochs)
  end
  nas.plan{search_epochs = search, train_epochs = train}
end

function M.run(title, default_dataset)
  local cfg = nas.config()
  cfg.dataset = cfg.dataset or {}
  cfg.dataset.name = cfg.dataset.name or default_dataset
  local d, info, data_note = M.open_dataset(cfg)
  local fd = M.finetune_data(cfg, d, info)
  nas.log.info("%s on %s (%s), profile %s", title, info.name, data_note, tostring(cfg.profile))
  local trainer, trainer_name = M.trainer(cfg)
  local seeds, several = M.seeds(cfg)
  if several then nas.log.info("%d seeds: %s", #seeds, table.concat(seeds, ", ")) end

  -- one scatter series per lambda~, holding every seed's point
  local by_lambda, order = {}, {}
  local darts_points = {}
  local bl = cfg.baselines or {}
  M.plan(cfg, trainer_name, #seeds)
  -- One seed's whole experiment (search, fine-tunes, DARTS baseline). Several seeds run
  -- side by side when several ranks do (each seed on one rank, its fine-tunes in turn);
  -- one seed spreads its fine-tunes over the ranks instead.
  local function one_seed(seed)
    local run = several and {seed = seed, suffix = "_s" .. seed} or {suffix = ""}
    if several then nas.seed(seed) end
    local points = M.darts_cc(cfg, d, data_note, trainer, trainer_name, run, fd)
    M.check_trend(points)
    return {points = points, darts = bl.darts and M.darts_baseline(cfg, d, data_note, trainer, trainer_name, run, fd) or {}}
  end
  local per_seed = several and nas.parallel(seeds, one_seed) or {one_seed(seeds[1])}
  if several then nas.seed(seeds[#seeds]) end  -- as after a plain loop over the seeds, on every rank
  for _, result in ipairs(per_seed) do
    for _, p in ipairs(result.points) do
      if not by_lambda[p.lambda] then by_lambda[p.lambda] = {}; order[#order + 1] = p.lambda end
      table.insert(by_lambda[p.lambda], p)
    end
    for _, p in ipairs(result.darts) do darts_points[#darts_points + 1] = p end
  end
  local series = {}
  for _, lt in ipairs(order) do
    series[#series + 1] = M.series(string.format("DARTS-CC, lambda~=%.2f", lt), by_lambda[lt])
  end
  if bl.random then
    local rt = M.trainer(cfg, bl.random_finetune)
    series[#series + 1] = M.series("random", M.random_baseline(cfg, d, data_note, rt, trainer_name, fd))
  end
  if #darts_points > 0 then series[#series + 1] = M.series("DARTS", darts_points) end
  M.add_published(M.published(cfg.published or (default_dataset == "cifar10" and "cifar10" or "fmnist")), series)

  local columns = {"group", "lambda", "log10_lambda", "params", "expected_params", "test_accuracy", "trainer", "data"}
  if several then table.insert(columns, 2, "seed") end
  nas.report{title = title .. " (" .. data_note .. ")", columns = columns}
  local ok, perr = pcall(nas.plot.scatter, {
    file = "acc_vs_params", title = title .. ": test accuracy vs parameters (" .. data_note .. ")",
    xlabel = "parameters", ylabel = "test accuracy (best epoch)", logx = false, series = series})
  if not ok then nas.log.warn("could not draw the scatter plot: %s", tostring(perr)) end
end

return M
