"""The SDK's DARTS blocks under nashost's own module names (sdk/src/nn/darts_ops.cpp), for
the ENAS CNNs, whose exports keep nashost's names (no PyTorch reference exists for them).
Same computation as darts_ops (quark0's layout), other attribute names."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv(c_in, c_out, k, stride=1, padding=0, dilation=1, groups=1):
    return nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=False)


class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out, k, stride, padding, affine=True):
        super().__init__()
        self.conv = conv(c_in, c_out, k, stride, padding)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x):
        return self.bn(self.conv(F.relu(x)))


class DilConv(nn.Module):
    def __init__(self, c_in, c_out, k, stride, padding, dilation, affine=True):
        super().__init__()
        self.depthwise = conv(c_in, c_in, k, stride, padding, dilation, groups=c_in)
        self.pointwise = conv(c_in, c_out, 1)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x):
        return self.bn(self.pointwise(self.depthwise(F.relu(x))))


class SepConv(nn.Module):
    def __init__(self, c_in, c_out, k, stride, padding, affine=True):
        super().__init__()
        self.first = DilConv(c_in, c_in, k, stride, padding, 1, affine)
        self.second = DilConv(c_in, c_out, k, 1, padding, 1, affine)

    def forward(self, x):
        return self.second(self.first(x))


class FactorizedReduce(nn.Module):
    def __init__(self, c_in, c_out, affine=True):
        super().__init__()
        self.conv1 = conv(c_in, c_out // 2, 1, 2)
        self.conv2 = conv(c_in, c_out // 2, 1, 2)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x):
        r = F.relu(x)
        return self.bn(torch.cat([self.conv1(r), self.conv2(r[:, :, 1:, 1:])], dim=1))


class Pool(nn.Module):
    def __init__(self, kind, stride):
        super().__init__()
        self.kind, self.stride = kind, stride

    def forward(self, x):
        if self.kind == "max":
            return F.max_pool2d(x, 3, self.stride, 1)
        return F.avg_pool2d(x, 3, self.stride, 1, count_include_pad=False)


class Identity(nn.Module):
    def forward(self, x):
        return x


class AuxiliaryHead(nn.Module):
    """nashost's AuxiliaryHead (the DARTS head; sdk/src/nn/darts_eval_network.cpp)."""

    def __init__(self, c, h, w, num_outputs):
        super().__init__()
        self.stride = (max(1, h - 5), max(1, w - 5))
        self.conv1 = conv(c, 128, 1)
        self.bn1 = nn.BatchNorm2d(128)
        self.conv2 = conv(128, 768, 2)
        self.bn2 = nn.BatchNorm2d(768)
        self.classifier = nn.Linear(768, num_outputs)

    def forward(self, x):
        y = F.avg_pool2d(F.relu(x), 5, self.stride, 0, count_include_pad=False)
        y = F.relu(self.bn1(self.conv1(y)))
        y = F.relu(self.bn2(self.conv2(y)))
        return self.classifier(y.flatten(1))
