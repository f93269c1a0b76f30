-- Prints what nas.run_info() says about the run (CLI tests check the flags).
local info = nas.run_info()
print(("run_info: device=%s deterministic=%s precision=%s"):format(info.device, tostring(info.deterministic),
  info.precision))
