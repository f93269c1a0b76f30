-- Regularised evolution (Real et al. 2019) on Fashion-MNIST: train random architectures, then
-- children of tournament winners (one mutation each), the oldest leaving the population ->
-- the fittest found -> train it from scratch beside DARTS_V2 -> results table.
-- The strategy is built outside the host, against the installed SDK (strategies/evolution):
--   tools/build-strategies.sh
--   nashost --plugin-path build/strategies/plugins run scripts/fmnist_evolution.lua [--profile paper|tiny]
--   NAS_PLUGIN_PATH=build/strategies/plugins nashost launch --nproc 2 -- run scripts/fmnist_evolution.lua
--     (each round's children shared by 2 ranks; the same results as one process)
-- Config: configs/fmnist_evolution.toml.

-- The paper's picture of a run: every trained architecture's fitness by trial, random ones
-- and children apart, with the best so far (evolution.png / .svg in the run directory).
local function draw_history(search)
  local state = search:state()
  local key = state.fitness
  local random, children, best = {x = {}, y = {}}, {x = {}, y = {}}, {x = {}, y = {}}
  local top = nil
  for _, h in ipairs(state.history) do
    local f = h[key]
    if f ~= nil then  -- nil: the training diverged
      local into = h.parent < 0 and random or children
      into.x[#into.x + 1], into.y[#into.y + 1] = h.trial, f
      if top == nil or f > top then top = f end
    end
    if top ~= nil then best.x[#best.x + 1], best.y[#best.y + 1] = h.trial, top end
  end
  local ok, err = pcall(nas.plot.scatter, {
    file = "evolution", title = "Regularised evolution: " .. key .. " of every trained architecture",
    xlabel = "trial", ylabel = key,
    series = {{label = "random", x = random.x, y = random.y}, {label = "children", x = children.x, y = children.y},
              {label = "best so far", x = best.x, y = best.y}}})
  if not ok then nas.log.warn("could not draw the evolution plot: %s", tostring(err)) end
end

require("darts_pipeline").run("Regularised evolution on Fashion-MNIST", {strategy = "evolution", after_search = draw_history})
