-- A small search of the strategy NASHOST_TEST_STRATEGY ("darts", "darts-cc", "enas-cnn", "enas-rnn") whose state
-- after its epochs is printed on rank 0, one "STATE key value" line per number (tests compare
-- ranks and processes). Options come from the config ([search], [dataset]) and --set.
local cfg = nas.config()
local d
if cfg.dataset then
  d = assert(nas.dataset(cfg.dataset.name, cfg.dataset.options or {}))
else
  d = assert(nas.dataset("synthetic-images", {shape = {1, 8, 8}, classes = 4, train_size = 64, test_size = 16}))
end
local strategy = os.getenv("NASHOST_TEST_STRATEGY") or "darts"
local s = nas.search(strategy, {dataset = d, options = cfg.search, label = "search"})
local last = s:run()
local function emit(prefix, v)
  if type(v) == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do emit(prefix .. "." .. tostring(k), v[k]) end
  elseif prefix:find("file") then
    return  -- paths differ between runs
  elseif type(v) == "number" then
    print(string.format("STATE %s %.17g", prefix, v))
  else
    print(string.format("STATE %s %s", prefix, tostring(v)))
  end
end
if nas.distributed.is_main() then
  emit("state", s:state())
  print(string.format("STATE last.train_loss %.17g", last.train_loss or 0))
  if not strategy:find("^enas") then  -- the derived cells (DARTS-CC: at three complexities)
    for _, lambda in ipairs(strategy == "darts-cc" and {0, 0.5, 1} or {0}) do
      local args = strategy == "darts-cc" and {lambda = lambda} or {}
      local cells = s:derive(args)[1]:json()
      emit("genotype." .. lambda, {normal = cells.normal, reduce = cells.reduce})
    end
  end
  print(string.format("DIVERGENCE %.17g", last.ranks_divergence or 0))
end
