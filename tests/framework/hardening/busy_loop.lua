-- A pure Lua loop: only the host's hook can stop it.
print("looping")
io.stdout:flush()
local x = 0
while true do x = x + 1 end
