-- DARTS-CC on CIFAR-10 (mini net by default, like the authors' mini-CIFAR experiment; the
-- `paper` profile of configs/cifar10_hyper.toml is the full 8-cell search with top-2
-- derivation and the 20-cell darts-eval fine-tuning). CIFAR-10 files: `nashost data fetch
-- cifar10`; without them the script falls back to synthetic images, loudly.
require("darts_cc_common").run("DARTS-CC CIFAR-10", "cifar10")
