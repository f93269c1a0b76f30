local cfg = nas.config()
local t = nil
print(t.field)   -- line 3
