-- A search that diverges in its second epoch: the error says that epoch 1's checkpoint is kept.
-- The same label makes the second search resume from the first one's checkpoint.
local d = assert(nas.dataset("synthetic-images", {shape = {1, 8, 8}, classes = 4, train_size = 32, test_size = 8}))
local base = {layers = 3, channels = 2, nodes = 2, epochs = 2, batch_size = 8, max_steps_per_epoch = 1, order = 1}
local first = nas.search("darts", {dataset = d, options = base, label = "diverging"})
first:run(1)
local diverging = {}
for k, v in pairs(base) do diverging[k] = v end
diverging.w_lr = 1e30
nas.search("darts", {dataset = d, options = diverging, label = "diverging"}):run()
