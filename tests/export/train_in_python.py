"""Stands in for weights trained in PyTorch: train_in_python.py OUT DEST

Loads OUT/export with nashost_torch, changes every weight and running statistic (as
training would: seeded, so the test is repeatable), and writes DEST as a user would hand
it to `nashost import`: config.json, model.safetensors, and expected.safetensors with the
fixture's input and the logits PyTorch computes with the new weights (eval mode), which
nashost must reproduce from the imported model file. The new logits must differ from the
old ones, so an import that kept the old weights fails. Exit 77 (a skipped test) when torch
or safetensors cannot be imported.
"""
import os
import shutil
import sys

try:
    import torch
    from safetensors.torch import load_file, save_file
except ImportError as e:  # no project environment: skip, do not fail
    print(f"SKIP: {e}")
    sys.exit(77)

import nashost_torch


def main():
    out, dest = sys.argv[1], sys.argv[2]
    export_dir = os.path.join(out, "export")
    ref = load_file(os.path.join(out, "reference.safetensors"))
    model = nashost_torch.load(export_dir)
    names = set(load_file(os.path.join(export_dir, "model.safetensors")))  # tied weights are stored once
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not t.is_floating_point():
                continue  # num_batches_tracked
            noise = torch.randn(t.shape, generator=gen, dtype=t.dtype)
            if name.endswith("running_var"):
                t.mul_(1 + 0.2 * noise.abs())  # stays positive
            else:
                t.add_(0.05 * noise * (t.abs().mean() + 0.1))
        output = model(ref["input"])
    logits = (output[0] if isinstance(output, tuple) else output).reshape(ref["logits"].shape)
    change = (logits - ref["logits"]).abs().max().item()
    assert change > 1e-3, f"the new weights hardly change the logits ({change:.2e}): the test could not fail"

    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    shutil.copy(os.path.join(export_dir, "config.json"), dest)
    state = {k: v.contiguous() for k, v in model.state_dict().items() if k in names}
    save_file(state, os.path.join(dest, "model.safetensors"))
    save_file({"input": ref["input"], "logits": logits.contiguous()}, os.path.join(dest, "expected.safetensors"))
    print(f"changed {len(state)} tensors; logits moved by up to {change:.3f}")


if __name__ == "__main__":
    main()
