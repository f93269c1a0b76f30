-- Opens fashion-mnist through scripts/dataset_common.lua, as the real scripts do, with a
-- tiny synthetic fallback (tests/framework/dataset_fallback.sh points NAS_DATA_DIR at an
-- empty or a damaged data folder).
local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
package.path = here .. "../../../scripts/?.lua;" .. package.path
local _, _, note = require("dataset_common").open({
  dataset = {name = "fashion-mnist",
             fallback_options = {shape = {1, 8, 8}, classes = 2, train_size = 8, test_size = 8}}})
print("opened: " .. note)
