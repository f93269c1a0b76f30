"""nashost's DARTS-CC one-hot network ("one-hot" trainer) as quark0/darts' search Network
(cnn/model_search.py), keeping only the op each edge runs.

nashost fine-tunes a DARTS-CC genotype in the search-shaped network: cell preprocessing
and every op with BatchNorm(affine=False), pools followed by BatchNorm, every intermediate
node concatenated, and each edge running the one op the genotype chose (`none` = zeros).
An edge's op sits where quark0's MixedOp keeps it, `cells.i._ops.<edge>._ops.<op index>`,
so the exported weights are those of a quark0 search Network restricted to the chosen ops.
forward returns the logits.
"""
import torch
import torch.nn as nn

from .darts_ops import OPS, FactorizedReduce, ReLUConvBN, reduction_cells


class ChosenOp(nn.Module):
    """A quark0 MixedOp that holds (and runs) only the chosen candidate."""

    def __init__(self, primitives, index, C, stride):
        super().__init__()
        name = primitives[index]
        op = OPS[name](C, stride, False)
        if "pool" in name:
            op = nn.Sequential(op, nn.BatchNorm2d(C, affine=False))
        self._ops = nn.ModuleDict({str(index): op})
        self._index = str(index)

    def forward(self, x):
        return self._ops[self._index](x)


class Cell(nn.Module):
    def __init__(self, steps, primitives, choice, C_prev_prev, C_prev, C, reduction, reduction_prev):
        super().__init__()
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(C_prev_prev, C, affine=False)
        else:
            self.preprocess0 = ReLUConvBN(C_prev_prev, C, 1, 1, 0, affine=False)
        self.preprocess1 = ReLUConvBN(C_prev, C, 1, 1, 0, affine=False)
        self._steps = steps
        self._ops = nn.ModuleList()
        e = 0
        for i in range(steps):
            for j in range(2 + i):
                stride = 2 if reduction and j < 2 else 1
                self._ops.append(ChosenOp(primitives, choice[e], C, stride))
                e += 1

    def forward(self, s0, s1):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        offset = 0
        for i in range(self._steps):
            s = None
            for j, h in enumerate(states):
                y = self._ops[offset + j](h)
                s = y if s is None else s + y
            offset += len(states)
            states.append(s)
        return torch.cat(states[-self._steps:], dim=1)


class Network(nn.Module):
    def __init__(self, C, num_classes, layers, steps, primitives, choice, in_channels=3, stem_multiplier=3):
        """choice: {"normal": [op index per edge], "reduce": [...]} (config.json["choice"])."""
        super().__init__()
        C_curr = stem_multiplier * C
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False),
            nn.BatchNorm2d(C_curr),
        )
        C_prev_prev, C_prev, C_curr = C_curr, C_curr, C
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in reduction_cells(layers)
            if reduction:
                C_curr *= 2
            cell = Cell(steps, primitives, choice["reduce" if reduction else "normal"], C_prev_prev, C_prev, C_curr,
                        reduction, reduction_prev)
            reduction_prev = reduction
            self.cells.append(cell)
            C_prev_prev, C_prev = C_prev, steps * C_curr
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prev, num_classes)

    def forward(self, input):
        s0 = s1 = self.stem(input)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        out = self.global_pooling(s1)
        return self.classifier(out.view(out.size(0), -1))


def build(config):
    c, h, w = config["input_shape"]
    return Network(config["C"], config["num_classes"], config["layers"], config["nodes"], config["primitives"],
                   config["choice"], in_channels=c, stem_multiplier=config["stem_multiplier"])
