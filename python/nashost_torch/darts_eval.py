"""nashost's DARTS evaluation network ("darts-eval") as quark0/darts' NetworkCIFAR (cnn/model.py).

Same module tree and parameter names as quark0, generalised where nashost is: any number
of input channels and stem multiplier, any number of edges per node (quark0: two; the
ops stay in one list `_ops`, node by node), and the auxiliary head pools with stride
size-5 per axis (quark0 hard-codes 3, right only for 8x8 maps). forward returns
(logits, logits_aux) as quark0; logits_aux is None in eval mode.
"""
import torch
import torch.nn as nn

from .darts_ops import OPS, FactorizedReduce, Identity, ReLUConvBN, drop_path, reduction_cells


class Cell(nn.Module):
    def __init__(self, cell, C_prev_prev, C_prev, C, reduction, reduction_prev):
        super().__init__()
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(C_prev_prev, C)
        else:
            self.preprocess0 = ReLUConvBN(C_prev_prev, C, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(C_prev, C, 1, 1, 0)
        self._ops = nn.ModuleList()
        self._indices = []
        self._edges_per_node = []
        for node in cell["nodes"]:
            self._edges_per_node.append(len(node))
            for op_name, index in node:
                stride = 2 if reduction and index < 2 else 1
                self._ops.append(OPS[op_name](C, stride, True))
                self._indices.append(index)
        self._concat = list(cell["concat"])
        self.multiplier = len(self._concat)

    def forward(self, s0, s1, drop_prob):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        k = 0
        for count in self._edges_per_node:
            s = None
            for _ in range(count):
                op = self._ops[k]
                h = op(states[self._indices[k]])
                if self.training and drop_prob > 0.0 and not isinstance(op, Identity):
                    h = drop_path(h, drop_prob)
                s = h if s is None else s + h
                k += 1
            states.append(s)
        return torch.cat([states[i] for i in self._concat], dim=1)


class AuxiliaryHeadCIFAR(nn.Module):
    def __init__(self, C, num_classes, stride=(3, 3)):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.AvgPool2d(5, stride=tuple(stride), padding=0, count_include_pad=False),
            nn.Conv2d(C, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


class NetworkCIFAR(nn.Module):
    def __init__(self, C, num_classes, layers, auxiliary, genotype, in_channels=3, stem_multiplier=3,
                 auxiliary_stride=(3, 3)):
        """genotype: nashost's genotype JSON (config.json["genotype"])."""
        super().__init__()
        self._layers = layers
        self._auxiliary = auxiliary
        self.drop_path_prob = 0.0
        C_curr = stem_multiplier * C
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False),
            nn.BatchNorm2d(C_curr),
        )
        C_prev_prev, C_prev, C_curr = C_curr, C_curr, C
        self.cells = nn.ModuleList()
        reduction_prev = False
        C_to_auxiliary = None
        for i in range(layers):
            reduction = i in reduction_cells(layers)
            if reduction:
                C_curr *= 2
            cell = Cell(genotype["reduce" if reduction else "normal"], C_prev_prev, C_prev, C_curr, reduction,
                        reduction_prev)
            reduction_prev = reduction
            self.cells.append(cell)
            C_prev_prev, C_prev = C_prev, cell.multiplier * C_curr
            if i == 2 * layers // 3:
                C_to_auxiliary = C_prev
        if auxiliary:
            self.auxiliary_head = AuxiliaryHeadCIFAR(C_to_auxiliary, num_classes, auxiliary_stride)
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prev, num_classes)

    def forward(self, input):
        logits_aux = None
        s0 = s1 = self.stem(input)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
            if i == 2 * self._layers // 3 and self._auxiliary and self.training:
                logits_aux = self.auxiliary_head(s1)
        out = self.global_pooling(s1)
        return self.classifier(out.view(out.size(0), -1)), logits_aux


def build(config):
    c, h, w = config["input_shape"]
    return NetworkCIFAR(config["C"], config["num_classes"], config["layers"], config["auxiliary"], config["genotype"],
                        in_channels=c, stem_multiplier=config["stem_multiplier"],
                        auxiliary_stride=config.get("auxiliary_stride", (3, 3)))
