"""Rebuild the networks nashost trains as plain PyTorch modules and load exported weights.

    import nashost_torch
    model = nashost_torch.load("runs/x/export/searched")   # an nn.Module in eval mode

A folder written by `nashost export` (or nas.export in a script) holds model.safetensors
(the weights, under the reference implementations' parameter names), config.json (what
rebuilds the network) and the genotype in its published text forms. docs/export.md lists
the networks, their reference classes and the name mapping.
"""
import json
import os

__all__ = ["load", "build", "read_config", "NETWORKS"]


def _builders():
    from . import darts_eval, darts_one_hot, enas_cnn, enas_rnn
    return {"darts-eval": darts_eval.build, "darts-cc-one-hot": darts_one_hot.build, "enas-rnn": enas_rnn.build,
            "enas-cnn-micro": enas_cnn.build_micro, "enas-cnn-macro": enas_cnn.build_macro}


NETWORKS = ("darts-eval", "darts-cc-one-hot", "enas-rnn", "enas-cnn-micro", "enas-cnn-macro")


def read_config(path):
    """config.json of an export folder (or the file itself)."""
    file = os.path.join(path, "config.json") if os.path.isdir(path) else path
    with open(file, encoding="utf-8") as f:
        config = json.load(f)
    if config.get("format") != "nashost-export":
        raise ValueError(f"{file} is not a nashost export config (format {config.get('format')!r})")
    return config


def build(config):
    """The untrained network a config describes (weights as PyTorch initialises them)."""
    network = config["network"]
    builders = _builders()
    if network not in builders:
        raise ValueError(f"network {network!r} is not known to this nashost_torch (known: {sorted(builders)})")
    return builders[network](config)


def load(path, device="cpu", strict=True):
    """The exported model in `path` (a folder from `nashost export`), weights loaded, in eval mode.

    strict: every exported tensor must have its parameter or buffer and vice versa, so a
    renamed or dropped layer is an error, never a silently untrained one."""
    from safetensors.torch import load_file

    config = read_config(path)
    model = build(config)
    state = load_file(os.path.join(path, "model.safetensors"), device="cpu")
    if hasattr(model, "tie_state"):  # weights stored once in the file, shared in the module
        state = model.tie_state(state)
    model.load_state_dict(state, strict=strict)
    return model.to(device).eval()
