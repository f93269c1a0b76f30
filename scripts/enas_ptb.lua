-- ENAS recurrent-cell search on Penn Treebank, then evaluation and retraining of the
-- derived cell. Config: configs/enas_ptb.toml (profiles quick | paper).
--   nashost run scripts/enas_ptb.lua --profile quick
--   nashost run scripts/enas_ptb.lua --set search.train_type=flexible
require("enas_lm_common").run("ENAS on PTB")
