-- Opening the dataset a config names, shared by the scripts. Config shape:
--   [dataset] name = "fashion-mnist", fallback = "synthetic-images"
--   [dataset.options] ...            options of the dataset
--   [dataset.fallback_options] ...   options of the fallback (when the files are missing)
-- Returns the dataset, its info table and a note for results tables ("SYNTHETIC ..." when
-- the numbers mean nothing about the named benchmark).
local M = {}

function M.open(cfg)
  local ds = cfg.dataset or {}
  local name = ds.name or "fashion-mnist"
  local d, err = nas.dataset(name, ds.options or {})
  local note = ""
  if not d then
    if ds.fallback == false or ds.fallback == "" then
      error("dataset '" .. name .. "' is not available: " .. tostring(err))
    end
    local fb = ds.fallback or "synthetic-images"
    nas.log.warn("==================================================================")
    nas.log.warn("dataset '%s' is NOT available: %s", name, tostring(err))
    nas.log.warn("falling back to '%s': SYNTHETIC DATA, the numbers below say nothing", fb)
    nas.log.warn("about %s. Fetch the files with `nashost data fetch %s` (or the dataset", name, name)
    nas.log.warn("option download = true; docs/datasets.md), or set NAS_DATA_DIR, and run again.")
    nas.log.warn("==================================================================")
    local err2
    d, err2 = nas.dataset(fb, ds.fallback_options or {})
    if not d then error("fallback dataset '" .. fb .. "' is not available either: " .. tostring(err2)) end
    note = "SYNTHETIC (" .. name .. " missing)"
  end
  local info = d:info()
  if info.synthetic and note == "" then
    nas.log.warn("dataset %s is SYNTHETIC: the numbers mean nothing about a real benchmark", info.name)
    note = "SYNTHETIC"
  end
  return d, info, (note ~= "" and note or info.name)
end

return M
