"""Compares an exported model, rebuilt by nashost_torch, with what nashost computed.

    check_export.py OUT [--export DIR]

OUT is an export_fixture folder (reference.safetensors: input and nashost's logits in
eval mode; metadata: network and nashost's reported parameter count); the export read is
OUT/export unless --export names another. Prints "OK <network>" or exits non-zero; exits
77 (a skipped test) when torch or safetensors cannot be imported.
"""
import argparse
import json
import os
import sys

try:
    import torch
    from safetensors import safe_open
    from safetensors.torch import load_file
except ImportError as e:  # no project environment: skip, do not fail
    print(f"SKIP: {e}")
    sys.exit(77)

import nashost_torch

TOLERANCE = 1e-5
# Auxiliary heads are not part of the parameter counts nashost reports.
AUX_PREFIXES = ("auxiliary_head.", "aux_head.")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--export")
    args = p.parse_args()
    export_dir = args.export or os.path.join(args.out, "export")
    ref_file = os.path.join(args.out, "reference.safetensors")
    ref = load_file(ref_file)
    with safe_open(ref_file, framework="pt") as f:
        meta = f.metadata()
    network = meta["network"]
    config = nashost_torch.read_config(export_dir)
    assert config["network"] == network, (config["network"], network)

    # strict: every tensor of the file has its parameter/buffer and vice versa.
    model = nashost_torch.load(export_dir)
    assert not model.training, "load() must return the model in eval mode"
    state = load_file(os.path.join(export_dir, "model.safetensors"))
    module_keys = set(model.state_dict().keys())
    if getattr(model, "tie_weights", False):
        module_keys.discard("decoder.weight")  # stored once, as encoder.weight
    assert set(state) == module_keys, f"names differ: file only {sorted(set(state) - module_keys)[:5]}, " \
                                      f"module only {sorted(module_keys - set(state))[:5]}"
    for name, t in state.items():  # what was loaded is what was exported, bit for bit
        assert torch.equal(model.state_dict()[name], t), name

    params = sum(t.numel() for n, t in model.named_parameters() if not n.startswith(AUX_PREFIXES))
    expected = int(meta["params"])
    assert params == expected, f"{network}: the PyTorch module has {params} parameters, nashost reported {expected}"
    assert config["params"] == expected, (config["params"], expected)

    with torch.no_grad():
        out = model(ref["input"])
    logits = out[0] if isinstance(out, tuple) else out
    logits = logits.reshape(ref["logits"].shape)
    diff = (logits - ref["logits"]).abs().max().item()
    assert diff <= TOLERANCE, f"{network}: logits differ from nashost's by {diff:.3g} (> {TOLERANCE})"
    assert ref["logits"].abs().max().item() > 0, "degenerate reference logits"

    # The published text forms are there for the spaces that have them.
    expected_files = {"darts": ["genotype.txt"], "enas-rnn": ["dag.json"], "enas-cnn": ["genotype.txt", "arc.txt"],
                      "enas-cnn-macro": ["arc.txt"]}.get(config["space"], [])
    for name in ["config.json", "genotype.json", *expected_files]:
        assert os.path.exists(os.path.join(export_dir, name)), f"{name} missing from {export_dir}"
    print(f"OK {network}: {len(state)} tensors, {params} parameters, max |logit difference| {diff:.2e}")


if __name__ == "__main__":
    main()
