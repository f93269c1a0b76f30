-- Scripts cannot reach the metamethods, and releasing an object twice is harmless.
local g = nas.genotype.named("DARTS_V2")
assert(type(getmetatable(g)) == "string", "the metatable is exposed")
local gc = debug.getmetatable(g).__gc
gc(g)
gc(g)
gc({})                       -- not even a userdata
gc(nas.dataset("synthetic-images", {train_size = 8, test_size = 8}))  -- another type
local ok, err = pcall(function() return g:text() end)
assert(not ok and tostring(err):find("already released"), "use after release: " .. tostring(err))
print("gc twice is harmless")
