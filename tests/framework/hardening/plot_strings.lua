-- Every string gnuplot sees is inert: titles, labels, categories and file names that hold
-- shell or gnuplot command syntax are drawn as text, never run. `marker` is the file any
-- of them would create if it were executed.
local marker = os.getenv("NASHOST_TEST_MARKER")
assert(marker, "NASHOST_TEST_MARKER is not set")
local nasty = "t `touch " .. marker .. "` $(touch " .. marker .. ") \"; system('touch " .. marker .. "') '\n" ..
              "system('touch " .. marker .. "') @x \\"
nas.plot.scatter{file = "scatter", title = nasty, xlabel = nasty, ylabel = nasty,
                 series = {{label = nasty, x = {1, 2}, y = {3, 4}}}}
nas.plot.bar{file = "bars", title = nasty, ylabel = nasty, categories = {nasty, "b"},
             series = {{label = nasty, values = {1, 2}}}}
local g = nas.genotype.named("DARTS_V2")
g:plot("cell", nasty)
local f = io.open(marker)
if f then f:close(); error("a plot string was executed: " .. marker .. " exists") end
for _, png in ipairs({"scatter.png", "bars.png", "cell-normal.png"}) do
  local p = io.open(nas.path(png))
  assert(p, png .. " was not drawn")
  p:close()
end
print("plot strings are inert")
