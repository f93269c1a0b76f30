local c = nas.config()
print("search.w_lr = " .. tostring(c.search.w_lr) .. " (" .. math.type(c.search.w_lr) .. ")")
