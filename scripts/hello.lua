-- hello.lua: lists the loaded plugins, reads configs/hello.toml, builds a tiny network
-- through the "one-hot" trainer plugin and trains it for a few steps.
--   nashost run scripts/hello.lua
local cfg = nas.config()

print(("nashost %s — loaded components:"):format(nas.version))
for _, c in ipairs(nas.plugins()) do
  print(("  %-18s %-14s %s"):format(c.name, c.kind, c.description))
end

local data = assert(nas.dataset(cfg.data.name, cfg.data.options))
local g = nas.genotype.parse(cfg.genotype.text)
local trainer = nas.trainer("one-hot", cfg.model)
nas.log.info("tiny model: %d parameters", trainer:params(g, data))

local r = trainer:train(g, data, { label = "hello" })
nas.export(r.model_file)  -- runs/<run>/export/hello: the model for PyTorch (docs/export.md)
nas.record{ model = "hello", params = r.params, test_accuracy = r.test_accuracy }
nas.report{ title = "hello.lua" }
