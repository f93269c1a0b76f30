-- A table argument with a field of the wrong kind: the error names the function and the field.
local d = nas.dataset("synthetic-images", { train_size = 16, test_size = 8 })
nas.train{trainer = "darts-eval", genotype = "DARTS_V2", dataset = d}
