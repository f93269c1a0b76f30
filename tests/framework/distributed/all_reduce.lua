-- Real tensors all-reduced across real processes: the c10d Gloo headers we compile against
-- agree with the torch wheel's library (a layout mismatch corrupts or crashes here).
local r, n = nas.distributed.rank(), nas.distributed.world_size()
local sums = nas.distributed.all_reduce_sum({r + 1, 10 * (r + 1), 0.5})
local want = {n * (n + 1) / 2, 10 * n * (n + 1) / 2, 0.5 * n}
for i = 1, 3 do assert(math.abs(sums[i] - want[i]) < 1e-12, ("sum %d: %g, want %g"):format(i, sums[i], want[i])) end
nas.distributed.barrier()
print(("all-reduce ok on rank %d of %d"):format(r, n))
