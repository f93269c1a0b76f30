-- Drives the out-of-tree example strategy (sdk/examples/hello_plugin) from Lua.
local d = assert(nas.dataset("synthetic-images", {train_size = 16, test_size = 8}))
local s = nas.search("hello-search", {dataset = d, options = {epochs = 2}})
local last = s:run()
assert(s:state().epochs == 2, "hello-search did not run its 2 epochs")
print(string.format("hello-search ran: score %.2f on %s", last.score, s:state().dataset))
