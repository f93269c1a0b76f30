-- Opens fashion-mnist with download = true through scripts/dataset_common.lua, as the real
-- scripts do, with a tiny synthetic fallback (tests/data_fetch/cli_cases.sh points the
-- download at a local mirror that has the files, or at one that has none).
local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
package.path = here .. "../../scripts/?.lua;" .. package.path
local _, _, note = require("dataset_common").open({
  dataset = {name = "fashion-mnist", options = {download = true},
             fallback_options = {shape = {1, 8, 8}, classes = 2, train_size = 8, test_size = 8}}})
print("opened: " .. note)
