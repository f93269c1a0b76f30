-- ENAS CNN search on CIFAR-10 (any image classification dataset works), micro (cell) or
-- macro (whole network) space: search -> derive the best arc -> evaluate it with the
-- shared weights -> train the derived architecture from scratch -> report.
-- Config: configs/enas_cifar10.toml (micro) or configs/enas_cifar10_macro.toml (macro:
-- space = "macro"); profiles quick | paper | tiny. [search] holds the options both spaces'
-- strategies take, [search.micro] / [search.macro] each space's own.
--   nashost run scripts/enas_cifar10.lua                  # micro, quick, minutes on 2 CPU cores
--   nashost run scripts/enas_cifar10.lua --config configs/enas_cifar10_macro.toml
--   nashost run scripts/enas_cifar10.lua --profile paper --device cuda
local cfg = nas.config()
assert(cfg.search, "config has no [search] table (expected configs/enas_cifar10.toml)")

-- The configured dataset; when its files are missing, the fallbacks in order, said loudly.
local function open_dataset()
  local ds = cfg.dataset or {}
  local tries = { {ds.name or "cifar10", ds.options or {}} }
  for _, fb in ipairs(ds.fallbacks or {}) do
    tries[#tries + 1] = {fb.name, fb.options or {}}
  end
  local wanted, errors = tries[1][1], {}
  for i, t in ipairs(tries) do
    local d, err = nas.dataset(t[1], t[2])
    if d then
      local info, note = d:info(), t[1]
      if i > 1 then
        nas.log.warn("==================================================================")
        nas.log.warn("dataset '%s' is NOT available: %s", wanted, errors[1])
        nas.log.warn("FALLING BACK to '%s'%s: the numbers below are NOT %s numbers.", t[1],
                     info.synthetic and " (SYNTHETIC DATA)" or "", wanted)
        nas.log.warn("Fetch them with `nashost data fetch %s` (docs/datasets.md), or set NAS_DATA_DIR.", wanted)
        nas.log.warn("==================================================================")
        note = t[1] .. " (fallback, " .. wanted .. " missing)"
      end
      if info.synthetic then
        nas.log.warn("dataset %s is SYNTHETIC: accuracies mean nothing", info.name)
        note = "SYNTHETIC " .. note
      end
      return d, info, note
    end
    errors[#errors + 1] = tostring(err)
  end
  error("no dataset available: " .. table.concat(errors, "; "))
end

-- The space picks the strategy; configs of earlier releases chose it with search.cnn_space
-- (and search.network = "cnn") for the one "enas" strategy.
local space = cfg.space or "micro"
if cfg.search.cnn_space then
  nas.log.warn("search.cnn_space is deprecated: set space = \"%s\" at the top of the config", cfg.search.cnn_space)
  space = cfg.search.cnn_space
end
local strategy = ({micro = "enas-cnn", macro = "enas-cnn-macro"})[space]
if not strategy then error("space = \"" .. tostring(space) .. "\": valid are \"micro\" and \"macro\"") end
local d, info, data_note = open_dataset()
nas.log.info("ENAS %s search on %s, input %s, %d classes, profile %s", space, data_note,
             table.concat(info.input_shape, "x"), info.num_outputs, tostring(cfg.profile))

local search_opts = {}
local not_options = {micro = true, macro = true, cnn_space = true, network = true}
for k, v in pairs(cfg.search) do
  if not not_options[k] then search_opts[k] = v end
end
for k, v in pairs(cfg.search[space] or {}) do search_opts[k] = v end
local s = nas.search(strategy, {dataset = d, options = search_opts, label = "search"})
local sc = cfg.scratch or {}
-- the status line's ETA: the search, then the training from scratch
nas.plan{search_epochs = s:total_epochs(), train_epochs = sc.enabled ~= false and ((sc.options or {}).epochs or 0) or 0}
local last = s:run()
local st = s:state()
local g = s:derive({samples = (cfg.derive or {}).samples or 10})[1]
local name = (space == "macro" and "enas_cnn_macro_" or "enas_cnn_") .. info.name
g:save(nas.path("genotypes", name .. ".json"))
if space == "macro" then
  -- The genotype's cell form has no picture of the reductions; the search drew the network
  -- (meta.pictures: paths relative to the run directory).
  local pics = g.meta.pictures or {}
  if #pics == 0 then nas.log.warn("no picture of the derived network (is Graphviz installed?)") end
  for _, p in ipairs(pics) do nas.log.info("picture of the derived network: %s", nas.path(p)) end
  nas.log.info("derived: %s", g.meta.summary)
else
  local ok, perr = pcall(function() g:plot(nas.path("genotypes", name)) end)
  if not ok then nas.log.warn("could not draw the derived cells: %s", tostring(perr)) end
  nas.log.info("derived: %s", g:text())
end

-- The derived cells with the shared weights they were searched with.
local ev = nas.trainer("enas-cnn-eval", {model_file = st.shared_model_file,
                                         max_eval_batches = (cfg.eval or {}).max_eval_batches or 0})
local r = ev:train(g, d)
nas.record{stage = "shared weights", data = data_note, params = r.params,
           valid_accuracy = r.valid_accuracy, test_accuracy = r.test_accuracy}

-- The derived cells in a fresh network trained from scratch.
if sc.enabled ~= false then
  local opts = {}
  for k, v in pairs(sc.options or {}) do opts[k] = v end
  opts.num_layers = opts.num_layers or cfg.search.num_layers
  local t = nas.trainer("enas-cnn-scratch", opts)
  local rs = t:train(g, d)
  nas.export(rs.model_file)  -- export/<label>: PyTorch weights + config (docs/export.md)
  nas.record{stage = "from scratch", data = data_note, params = rs.params,
             test_accuracy = rs.test_accuracy, train_accuracy = rs.train_accuracy}
end
nas.record{stage = "search (last epoch)", data = data_note, params = st.shared_params,
           valid_accuracy = last.valid_accuracy}
nas.report{title = "ENAS " .. space .. " search on " .. data_note .. " (" .. nas.run_info().profile .. ")",
           columns = {"stage", "data", "params", "valid_accuracy", "test_accuracy", "train_accuracy"}}
