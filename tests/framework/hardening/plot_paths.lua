-- Output names given to the plot functions stay inside the run directory.
local function refused(fn, pattern)
  local ok, err = pcall(fn)
  assert(not ok, "expected a refusal")
  assert(tostring(err):find(pattern), "unexpected message: " .. tostring(err))
end
local series = {{label = "a", x = {1}, y = {1}}}
refused(function() nas.plot.scatter{file = "../outside", series = series} end, "leaves the run directory")
refused(function() nas.plot.scatter{file = "/tmp/nashost-outside", series = series} end, "is an absolute path")
refused(function() nas.plot.bar{file = "a/../../x", categories = {"a"}, series = {{label = "s", values = {1}}}} end,
        "leaves the run directory")
refused(function() nas.path("..", "x") end, "leaves the run directory")
local g = nas.genotype.named("DARTS_V2")
refused(function() g:plot("../../escaped") end, "leaves the run directory")
g:plot("5")  -- a bare name goes into the run directory, not the current folder
local f = io.open(nas.path("5-normal.png"))
assert(f, "g:plot('5') did not write into the run directory")
f:close()
-- a name with dots that is not ".." is fine
nas.plot.scatter{file = "a..b", series = series}
print("plot paths stay inside the run")
