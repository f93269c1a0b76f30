-- nas.parallel: results and recorded rows in item order on every rank, whatever the ranks.
local items = {}
for i = 1, 5 do items[i] = i * 10 end
local out = nas.parallel(items, function(x, i)
  nas.record{name = "item" .. i, value = x, rank = nas.distributed.rank()}
  return {x = x, square = x * x}
end)
for i, r in ipairs(out) do assert(r.x == i * 10 and r.square == r.x * r.x, "item " .. i) end
nas.distributed.barrier()
nas.log.info("rank %d of %d done", nas.distributed.rank(), nas.distributed.world_size())
nas.report{title = "parallel", columns = {"name", "value"}}
