-- Reads the run's own run.json while it runs (CLI test: the record is there from the start),
-- and requires a helper module (its copy is made when the run ends).
local helper = require("record_helper")
local dir = nas.run_info().dir
local f = assert(io.open(dir .. "/run.json"))
local text = f:read("a")
f:close()
local running = text:find('"status": "running"', 1, true) ~= nil
local copied = io.open(dir .. "/script.lua") ~= nil
print(("run record: running=%s script_copied=%s torch=%s helper=%s"):format(tostring(running), tostring(copied),
  text:match('"torch": "([^"]+)"') or "?", helper.greeting))
