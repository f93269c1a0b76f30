"""The Python side of importing a torch.save'd state dict: to_torch_save.py EXPORT OUT.

Copies EXPORT's config.json to OUT and writes its weights as `torch.save(dict(model.state_dict()),
"model.pth")` does (zip format, a plain dict: what LibTorch's unpickler reads), plus
OUT-ordered/ with the OrderedDict `model.state_dict()` itself returns and OUT-legacy/ with the
pre-1.6 format, which LibTorch cannot read (the import must say what to save instead).
Exit 77 (a skipped test) when torch or safetensors cannot be imported."""
import collections
import json
import os
import shutil
import sys

try:
    import torch
    from safetensors.torch import load_file
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)


def main():
    export, out = sys.argv[1], sys.argv[2]
    ordered = collections.OrderedDict(sorted(load_file(os.path.join(export, "model.safetensors")).items()))
    for folder, state, legacy in ((out, dict(ordered), False), (out + "-ordered", ordered, False),
                                  (out + "-legacy", dict(ordered), True)):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        # The plain-dict folder gets the config.json a quark0 user writes by hand (no nashost
        # section), so import builds the network from its sizes rather than reading the list
        # of the model file's tensors that nashost export keeps.
        with open(os.path.join(export, "config.json")) as f:
            config = json.load(f)
        if folder == out:
            del config["nashost"]
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f)
        torch.save(state, os.path.join(folder, "model.pth"), _use_new_zipfile_serialization=not legacy)
    print(f"wrote {len(ordered)} tensors")


if __name__ == "__main__":
    main()
