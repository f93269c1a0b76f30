-- ENAS recurrent-cell search on WikiText-2 (same pipeline as enas_ptb.lua).
-- Config: configs/enas_wikitext2.toml (profiles quick | paper).
require("enas_lm_common").run("ENAS on WikiText-2")
