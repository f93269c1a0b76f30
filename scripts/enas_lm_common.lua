-- Shared pipeline of scripts/enas_ptb.lua and scripts/enas_wikitext2.lua:
-- ENAS search -> derive the best DAG -> evaluate it with the shared weights ->
-- (optionally) retrain it from scratch -> report.
local M = {}

function M.run(title)
  local cfg = nas.config()
  assert(cfg.search, "config has no [search] table (expected configs/<script>.toml)")
  local ds = cfg.dataset or {}
  local d, err = nas.dataset(ds.name or "ptb", ds.options or {})
  if not d then error("dataset '" .. tostring(ds.name) .. "' is not available: " .. tostring(err)) end
  local info = d:info()
  if info.synthetic then nas.log.warn("dataset %s is SYNTHETIC: perplexities mean nothing", info.name) end
  nas.log.info("%s: %s, vocabulary %d, profile %s", title, info.name, info.num_outputs, tostring(cfg.profile))

  local s = nas.search("enas-rnn", {dataset = d, options = cfg.search, label = "search"})
  local sc = cfg.scratch or {}
  -- the status line's ETA: the search, then the training from scratch
  nas.plan{search_epochs = s:total_epochs(),
           train_epochs = sc.enabled ~= false and ((sc.options or {}).epochs or 0) or 0}
  s:run()
  local st = s:state()
  local g = s:derive({samples = (cfg.derive or {}).samples or 100})[1]
  g:save(nas.path("genotypes", "enas_" .. info.name .. ".json"))
  local ok, perr = pcall(function() g:plot(nas.path("genotypes", "enas_" .. info.name)) end)
  if not ok then nas.log.warn("could not draw the derived cell: %s", tostring(perr)) end

  -- The derived cell with the shared weights it was searched with (fork `test` mode).
  local ev = nas.trainer("enas-rnn-eval", {model_file = st.shared_model_file})
  local r = ev:train(g, d)
  nas.record{stage = "shared weights", train_type = cfg.search.train_type, nodes = #g:json().dag,
             params = r.params, valid_ppl = r.valid_ppl, test_ppl = r.test_ppl}

  -- Retrain the derived cell alone from fresh weights (fork `train_scratch`).
  if sc.enabled ~= false then
    local t = nas.trainer("enas-rnn-scratch", sc.options or {})
    local rs = t:train(g, d)
    nas.export(rs.model_file)  -- export/<label>: PyTorch weights + config + dag.json (docs/export.md)
    nas.record{stage = "from scratch", train_type = cfg.search.train_type, nodes = #g:json().dag,
               params = rs.params, valid_ppl = rs.valid_ppl, test_ppl = rs.test_ppl}
  end
  nas.report{title = title, columns = {"stage", "train_type", "nodes", "params", "valid_ppl", "test_ppl"}}
end

return M
