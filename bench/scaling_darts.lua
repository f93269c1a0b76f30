-- The data-parallel scaling benchmark (tools/bench-scaling.sh): a DARTS search on synthetic
-- images of the shape given by NASHOST_BENCH_* (default: the paper's search step, batch 64,
-- 3x32x32, C = 16, 8 cells), two epochs of NASHOST_BENCH_STEPS steps; the second epoch is the
-- timed one (the first warms up). The epoch lines in the log carry the time and, with several
-- ranks, allreduce_bytes_per_step.
local function env(name, default) return tonumber(os.getenv(name) or "") or default end
local size, batch = env("NASHOST_BENCH_SIZE", 32), env("NASHOST_BENCH_BATCH", 64)
local steps = env("NASHOST_BENCH_STEPS", 5)
local d = assert(nas.dataset("synthetic-images", {shape = {3, size, size}, classes = 10,
                                                   train_size = 2 * batch * steps, test_size = batch}))
local s = nas.search("darts", {dataset = d, label = "bench", options = {
  order = env("NASHOST_BENCH_ORDER", 1), batch_size = batch, channels = env("NASHOST_BENCH_CHANNELS", 16),
  layers = env("NASHOST_BENCH_LAYERS", 8), epochs = 2, max_steps_per_epoch = steps, max_eval_batches = 1,
  plots = false, augment = false}})
s:run()
