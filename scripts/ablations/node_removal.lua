-- ENAS ablation: remove each node 1..N-2 of the derived cell in turn (its children are
-- re-attached to its parent, keeping their activations) and evaluate with the shared
-- weights, no training (fork ablation_studies/node_removal.py). Node 0 and the last node
-- (the next hidden state) are kept. Writes analysis_results/node_ablation/{results.json,
-- params.json} in the run directory, keyed by the removed node's index.
--   nashost run scripts/ablations/node_removal.lua --config configs/enas_ablation.toml
local A = require("enas_ablation_common")

local cfg = A.config()
local d, g, ev, model_file = A.setup(cfg, "node_removal")
local base = g:json()
local variants = {}
for r = 1, #base.dag - 2 do
  if base.dag[r + 1].activation ~= "none" then
    local t = A.remove_node(A.copy(base), r)
    variants[#variants + 1] = {key = tostring(r), genotype = nas.genotype.from_table(t)}
  end
end
A.study("node_ablation", d, g, ev, variants, A.params(cfg, model_file, "node_removal"))
