-- The deprecated all-in-one "enas" strategy still runs (network / cnn_space pick the space),
-- with a warning that names the strategy replacing it.
local d = assert(nas.dataset("synthetic-images", {shape = {3, 8, 8}, classes = 4, train_size = 64, test_size = 32}))
local s = nas.search("enas", {dataset = d, label = "search", options = {
  network = "cnn", cnn_space = "macro", channels = 4, num_layers = 3, epochs = 1, batch_size = 16,
  shared_steps = 2, controller_steps = 1, controller_num_aggregate = 2, controller_hid = 8,
  derive_samples = 2, max_eval_batches = 1, augment = false, lr_t0 = 1}})
s:run()
local g = s:derive({samples = 2})[1]
print("derived a genotype of space " .. g.space)
