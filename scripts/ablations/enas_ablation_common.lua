-- Helpers of the ENAS ablation studies (fork ablation_studies/*.py): load or produce a
-- shared model and its derived DAG, edit DAGs, evaluate them without training, and write
-- results.json / params.json in the fork's layout.
local M = {}

-- JSON with sorted keys and Python's Infinity/-Infinity (the fork writes json.dump output).
local function encode(v, indent, pad)
  pad = pad or ""
  local t = type(v)
  if t == "nil" then return "null" end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if v == math.huge then return "Infinity" end
    if v == -math.huge then return "-Infinity" end
    if v ~= v then return "NaN" end
    if math.type(v) == "integer" then return tostring(v) end
    return string.format("%.17g", v)
  end
  if t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      return ({['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t'})[c] or string.format("\\u%04x", c:byte())
    end) .. '"'
  end
  local inner = pad .. indent
  if #v > 0 or next(v) == nil then
    local parts = {}
    for _, x in ipairs(v) do parts[#parts + 1] = inner .. encode(x, indent, inner) end
    if #parts == 0 then return "[]" end
    return "[\n" .. table.concat(parts, ",\n") .. "\n" .. pad .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local x = v[k]
    if x == nil then x = v[tonumber(k)] end
    parts[#parts + 1] = inner .. encode(k) .. ": " .. encode(x, indent, inner)
  end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. pad .. "}"
end
M.encode = encode

function M.write_json(path, value)
  local tmp = path .. ".tmp"
  local f = assert(io.open(tmp, "w"))
  f:write(encode(value, "    "), "\n")
  f:close()
  assert(os.rename(tmp, path))
end

-- The study's config: configs/<script>.toml if it exists, else configs/enas_ablation.toml.
function M.config()
  local cfg = nas.config()
  if not cfg.search and not cfg.model_file then cfg = nas.config("configs/enas_ablation.toml") end
  return cfg
end

-- Dataset, shared-model file and derived genotype: from the config, or a fresh short search.
function M.setup(cfg, study)
  local ds = cfg.dataset or {}
  local d, err = nas.dataset(ds.name or "ptb", ds.options or {})
  if not d then error("dataset '" .. tostring(ds.name) .. "' is not available: " .. tostring(err)) end
  local model_file, g = cfg.model_file or "", nil
  if model_file ~= "" then
    assert(cfg.genotype and cfg.genotype ~= "", "model_file is set but genotype is not (both come from one search)")
    g = nas.genotype.load(cfg.genotype)
  else
    nas.log.info("%s: no model_file given, running an ENAS search first", study)
    local s = nas.search("enas-rnn", {dataset = d, options = cfg.search, label = "search"})
    s:run()
    model_file = s:state().shared_model_file
    g = s:derive({samples = (cfg.derive or {}).samples or 100})[1]
    g:save(nas.path("genotypes", "enas_derived.json"))
  end
  assert(g.space == "enas-rnn", "the genotype is a '" .. tostring(g.space) .. "' genotype, expected enas-rnn")
  local opts = {model_file = model_file}
  for k, v in pairs(cfg.eval or {}) do opts[k] = v end
  local ev = nas.trainer("enas-rnn-eval", opts)
  return d, g, ev, model_file
end

-- params.json: what was evaluated. The search options are only known when this run searched
-- itself; for a given model_file we record the files (their run directory holds the rest).
function M.params(cfg, model_file, study)
  local p = {study = study, model_file = model_file, eval = cfg.eval or {}, dataset = cfg.dataset or {}}
  if (cfg.model_file or "") == "" then p.search = cfg.search else p.genotype = cfg.genotype end
  return p
end

-- DAG editing on g:json() tables. Node ids are 0-based (parent -1 = cell input); Lua lists are 1-based.
function M.replace_activations(t, activation)
  for _, node in ipairs(t.dag) do
    if node.activation ~= "none" then node.activation = activation end
  end
  return t
end

-- Node removal with reconnection: r's children move to r's parent, r becomes a gap ("none").
function M.remove_node(t, r)
  local n = #t.dag
  assert(r >= 1 and r <= n - 2, "node " .. r .. " cannot be removed (valid: 1.." .. (n - 2) .. ")")
  local parent = t.dag[r + 1].parent
  for _, node in ipairs(t.dag) do
    if node.activation ~= "none" and node.parent == r then node.parent = parent end
  end
  t.dag[r + 1].activation = "none"
  return t
end

function M.copy(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = M.copy(v) end
  return c
end

-- Evaluates each variant {key=, genotype=}; results.json in the fork's layout:
-- {validation: {original_performance, <key>..., max_improvement, max_decrease}, test: {...}},
-- diff = original - variant; rewritten after every variant.
function M.study(name, d, g, ev, variants, params)
  local base = ev:train(g, d)
  local results = {validation = {original_performance = base.valid_ppl},
                   test = {original_performance = base.test_ppl}}
  nas.record{variant = "original", valid_ppl = base.valid_ppl, test_ppl = base.test_ppl,
             valid_diff = 0.0, test_diff = 0.0}
  local out = nas.path("analysis_results", name, "results.json")
  M.write_json(nas.path("analysis_results", name, "params.json"), params)
  -- the variants are independent evaluations: side by side when several ranks run
  local evaluated = nas.parallel(variants, function(v)
    local r = ev:train(v.genotype, d, {label = name .. "_" .. v.key})
    nas.record{variant = v.key, valid_ppl = r.valid_ppl, test_ppl = r.test_ppl,
               valid_diff = base.valid_ppl - r.valid_ppl, test_diff = base.test_ppl - r.test_ppl}
    nas.log.info("%s %s: valid ppl %.2f (original %.2f), test ppl %.2f", name, v.key, r.valid_ppl,
                 base.valid_ppl, r.test_ppl)
    return {valid_ppl = r.valid_ppl, test_ppl = r.test_ppl}
  end)
  for i, v in ipairs(variants) do
    results.validation[v.key] = evaluated[i].valid_ppl
    results.test[v.key] = evaluated[i].test_ppl
  end
  for _, split in ipairs({"validation", "test"}) do
    local res = results[split]
    local best_up, worst_down = -math.huge, math.huge
    for _, v in ipairs(variants) do
      local diff = res.original_performance - res[v.key]
      if diff > 0 and diff > best_up then best_up = diff end
      if diff < 0 and diff < worst_down then worst_down = diff end
    end
    res.max_improvement, res.max_decrease = best_up, worst_down
  end
  M.write_json(out, results)
  -- The picture: per variant, how much perplexity it gains (+) or loses (-) against the original.
  local keys, vdiff, tdiff = {}, {}, {}
  for _, v in ipairs(variants) do
    keys[#keys + 1] = v.key
    vdiff[#vdiff + 1] = results.validation.original_performance - results.validation[v.key]
    tdiff[#tdiff + 1] = results.test.original_performance - results.test[v.key]
  end
  local ok, perr = pcall(nas.plot.bar, {
    file = "analysis_results/" .. name .. "/diff", title = "ENAS ablation: " .. name,
    ylabel = "perplexity original - variant (> 0: variant better)", categories = keys,
    series = {{label = "validation", values = vdiff}, {label = "test", values = tdiff}}})
  if not ok then nas.log.warn("could not draw the bar chart: %s", tostring(perr)) end
  nas.report{title = "ENAS ablation: " .. name,
             columns = {"variant", "valid_ppl", "test_ppl", "valid_diff", "test_diff"}}
  return results
end

return M
