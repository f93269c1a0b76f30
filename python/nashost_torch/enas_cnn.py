"""nashost's ENAS CNNs trained from scratch ("enas-cnn-scratch"): the micro (cell) network
of plugins/search_enas/src/shared_cnn.cpp and the macro (whole-network) one of
macro_cnn.cpp, each holding only its architecture's modules.

No PyTorch reference exists for either (the authors' code is TensorFlow), so modules and
parameters carry nashost's own names (stem_conv, cell3.n0_x_in1_op2..., layer4_conv_3x3...)
and the export is nashost's state dict as it is. forward returns the logits; dropout and
drop path exist only in training, so an exported model in eval mode is deterministic.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .nashost_ops import AuxiliaryHead, FactorizedReduce, Identity, Pool, ReLUConvBN, SepConv, conv


# ----------------------------------------------------------------------------- micro
def micro_op(name, c, stride):
    """The "enas-cnn" operation set (plugins/ops_enas/src/enas_cnn_ops.cpp)."""
    if name == "sep_conv_3x3":
        return SepConv(c, c, 3, stride, 1)
    if name == "sep_conv_5x5":
        return SepConv(c, c, 5, stride, 2)
    if name == "avg_pool_3x3":
        return Pool("avg", stride)
    if name == "max_pool_3x3":
        return Pool("max", stride)
    if name == "identity":
        return Identity() if stride == 1 else FactorizedReduce(c, c)
    raise ValueError(f"unknown enas-cnn op {name!r}")


class MicroCell(nn.Module):
    def __init__(self, cell, ops, c_pp, c_p, c, reduction, reduction_prev):
        """cell: the genotype's {"nodes": [[[op, input], [op, input]], ...], "concat": unused states}."""
        super().__init__()
        self.reduction = reduction
        self.nodes = [[(e[0], e[1]) for e in node] for node in cell["nodes"]]
        used = {e[1] for node in self.nodes for e in node}
        self.unused = [j for j in range(len(self.nodes) + 2) if j not in used]
        self.pre0 = self.pre1 = None
        if reduction_prev:
            self.pre0 = FactorizedReduce(c_pp, c)
        elif c_pp != c:
            self.pre0 = ReLUConvBN(c_pp, c, 1, 1, 0)
        if c_p != c:
            self.pre1 = ReLUConvBN(c_p, c, 1, 1, 0)
        for j in (0, 1):
            if reduction and j in self.unused:
                self.add_module(f"reduce_in{j}", FactorizedReduce(c, c))
        self.keys = []
        for i, node in enumerate(self.nodes):
            keys = []
            for s, (op, inp) in enumerate(node):
                key = f"n{i}_{'xy'[s]}_in{inp}_op{ops.index(op)}"
                if not hasattr(self, key):
                    self.add_module(key, micro_op(op, c, 2 if reduction and inp < 2 else 1))
                keys.append(key)
            self.keys.append(keys)
        self.out_conv = nn.Parameter(torch.empty(c, len(self.unused) * c, 1, 1))
        self.out_bn = nn.BatchNorm2d(c)

    def forward(self, s0, s1):
        states = [self.pre0(s0) if self.pre0 is not None else s0, self.pre1(s1) if self.pre1 is not None else s1]
        for node, keys in zip(self.nodes, self.keys):
            s = None
            for (op, inp), key in zip(node, keys):
                h = getattr(self, key)(states[inp])
                s = h if s is None else s + h
            states.append(s)
        outs = []
        for j in self.unused:
            t = states[j]
            if self.reduction and j < 2:
                t = getattr(self, f"reduce_in{j}")(t)
            outs.append(t)
        return self.out_bn(F.conv2d(F.relu(torch.cat(outs, 1)), self.out_conv))


class MicroNetwork(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = config["channels"]
        layers = config["num_layers"]
        genotype, ops = config["genotype"], config["ops"]
        self.stem_conv = conv(config["in_channels"], 3 * c, 3, 1, 1)
        self.stem_bn = nn.BatchNorm2d(3 * c)
        d = layers // 3
        reductions = (d, 2 * d + 1)  # authors: pool_distance = num_layers // 3
        h, w = config["height"] // 4, config["width"] // 4
        c_pp = c_p = 3 * c
        cc = c
        reduction_prev = False
        self.cells = []
        self.aux_layer = -1
        for layer in range(layers + 2):
            reduction = layer in reductions
            if reduction:
                cc *= 2
            cell = MicroCell(genotype["reduce" if reduction else "normal"], ops, c_pp, c_p, cc, reduction,
                             reduction_prev)
            self.add_module(f"cell{layer}", cell)
            self.cells.append(cell)
            if config.get("aux_head") and layer == reductions[-1] + 1:
                self.aux_layer = layer
                self.aux_head = AuxiliaryHead(cc, h, w, config["num_classes"])
            c_pp, c_p = c_p, cc
            reduction_prev = reduction
        self.classifier = nn.Linear(c_p, config["num_classes"])

    def forward(self, x):
        s0 = s1 = self.stem_bn(self.stem_conv(x))
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(F.adaptive_avg_pool2d(F.relu(s1), 1).flatten(1))


# ----------------------------------------------------------------------------- macro
MACRO_OPS = ["conv_3x3", "sep_conv_3x3", "conv_5x5", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3"]


class MacroBranch(nn.Module):
    """1x1 conv-BN-ReLU from c_in to c, then the op at c channels."""

    def __init__(self, op, c_in, c):
        super().__init__()
        self.op = op
        self.in_conv = conv(c_in, c, 1)
        self.in_bn = nn.BatchNorm2d(c)
        if op < 4:
            k = 3 if op < 2 else 5
            separable = op % 2 == 1
            self.conv = conv(c, c, k, 1, k // 2, groups=c if separable else 1)
            if separable:
                self.point = conv(c, c, 1)
            self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.in_bn(self.in_conv(x)))
        if self.op == 4:
            return F.avg_pool2d(y, 3, 1, 1, count_include_pad=False)
        if self.op == 5:
            return F.max_pool2d(y, 3, 1, 1)
        y = self.conv(y)
        if hasattr(self, "point"):
            y = self.point(y)
        return F.relu(self.bn(y))


def macro_arc(genotype):
    """(op id per layer, set of skipped-from layers per layer) from the genotype's cell form:
    normal.nodes[i] = [(op, i + 1), ("skip", 2 + j) ...]."""
    ops, skips = [], []
    for edges in genotype["normal"]["nodes"]:
        ops.append(MACRO_OPS.index(edges[0][0]))
        skips.append({e[1] - 2 for e in edges[1:]})
    return ops, skips


class MacroNetwork(nn.Module):
    def __init__(self, config):
        super().__init__()
        c, layers = config["channels"], config["num_layers"]
        self.ops, self.skips = macro_arc(config["genotype"])
        d = layers // 3
        self.reductions = []
        for after in (d - 1, 2 * d - 1):
            if 0 <= after < layers and (not self.reductions or self.reductions[-1] != after):
                self.reductions.append(after)
        self.stem_conv = conv(config["in_channels"], c, 3, 1, 1)
        self.stem_bn = nn.BatchNorm2d(c)
        width, widths = c, []
        for i in range(layers):
            self.add_module(f"layer{i}_{MACRO_OPS[self.ops[i]]}", MacroBranch(self.ops[i], width, width))
            if i > 0:
                self.add_module(f"layer{i}_bn", nn.BatchNorm2d(width))
            widths.append(width)
            if i in self.reductions:
                nxt = 2 * width if config["grow_channels"] else width
                for j in range(i + 1):
                    self.add_module(f"reduce_after{i}_layer{j}", FactorizedReduce(width, nxt))
                width = nxt
        self.classifier = nn.Linear(width, config["num_classes"])
        self.aux_layer = -1
        if config.get("aux_head"):
            self.aux_layer = self.reductions[-1] + 1
            scale = 2 ** len(self.reductions)
            self.aux_head = AuxiliaryHead(widths[self.aux_layer], config["height"] // scale, config["width"] // scale,
                                          config["num_classes"])

    def forward(self, x):
        layers = []
        inp = self.stem_bn(self.stem_conv(x))
        for i, op in enumerate(self.ops):
            out = getattr(self, f"layer{i}_{MACRO_OPS[op]}")(inp)
            if i > 0:
                for j in range(i):
                    if j in self.skips[i]:
                        out = out + layers[j]
                out = getattr(self, f"layer{i}_bn")(out)
            layers.append(out)
            if i in self.reductions:
                layers = [getattr(self, f"reduce_after{i}_layer{j}")(t) for j, t in enumerate(layers)]
            inp = layers[-1]
        return self.classifier(F.adaptive_avg_pool2d(inp, 1).flatten(1))


def build_micro(config):
    return MicroNetwork(config)


def build_macro(config):
    return MacroNetwork(config)
