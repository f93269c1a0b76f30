local png = nas.plot.bar{file = "charts/diff", title = "t", ylabel = "ppl",
                         categories = {"1", "2", "node 3"},
                         series = {{label = "validation", values = {1.5, -2, 0.25}},
                                   {label = "test", values = {1, -1, 0}}}}
local f = assert(io.open(png, "rb"), "no picture at " .. png)
local header = f:read(8)
f:close()
assert(header == "\137PNG\r\n\26\n", "not a PNG: " .. png)
local ok, err = pcall(nas.plot.bar, {categories = {"a", "b"}, series = {{label = "x", values = {1}}}})
assert(not ok and err:find("has 1 values for 2 categories"), tostring(err))
print("bar chart ok")
