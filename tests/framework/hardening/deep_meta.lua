-- Reads a genotype whose meta is nested NASHOST_TEST_DEPTH levels deep.
local g = nas.genotype.load(os.getenv("NASHOST_TEST_GENOTYPE"))
local m, depth = g.meta, 0
while type(m) == "table" and m.x ~= nil do m = m.x; depth = depth + 1 end
print("meta depth " .. depth)
