-- What TensorBoard shows of a run besides curves: a genotype's cell pictures and text, and
-- the plots (tests/framework/tensorboard_views.py reads them back with TensorBoard itself).
local d = assert(nas.dataset("synthetic-images", {train_size = 16, test_size = 8, shape = {1, 8, 8}, classes = 2}))
local s = nas.search("darts", {dataset = d, label = "search",
                               options = {epochs = 1, batch_size = 4, channels = 2, layers = 2, order = 1,
                                          max_steps_per_epoch = 1, max_eval_batches = 1, augment = false}})
s:run()
local g = s:derive({})[1]
g:plot(nas.path("genotypes", "searched"))
nas.plot.scatter{file = "acc_vs_params", title = "t", series = {{label = "a", x = {1, 2}, y = {0.5, 0.6}}}}
print("tensorboard views written to " .. nas.run_info().dir)
