-- ENAS ablation: replace every activation of the derived cell by one function (tanh, relu,
-- sigmoid, identity) and evaluate with the shared weights, no training (fork
-- ablation_studies/activation_replacement.py). Writes analysis_results/activation_ablation/
-- {results.json, params.json} in the run directory.
--   nashost run scripts/ablations/activation_replacement.lua --config configs/enas_ablation.toml
local A = require("enas_ablation_common")

local cfg = A.config()
local d, g, ev, model_file = A.setup(cfg, "activation_replacement")
local variants = {}
-- Result keys as the fork writes them; values are our operation names.
for _, f in ipairs({{"tanh", "tanh"}, {"relu", "ReLU"}, {"sigmoid", "sigmoid"}, {"identity", "identity"}}) do
  local t = A.replace_activations(A.copy(g:json()), f[2])
  variants[#variants + 1] = {key = f[1], genotype = nas.genotype.from_table(t)}
end
A.study("activation_ablation", d, g, ev, variants, A.params(cfg, model_file, "activation_replacement"))
