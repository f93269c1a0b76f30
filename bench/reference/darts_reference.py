#!/usr/bin/env python3
"""The reference DARTS search step (quark0/darts, cnn/{operations,model_search,architect}.py and
the step of train_search.py), condensed but computing the same thing, so that
`nashost bench darts` can be compared with it on the same torch version and machine.

Only what changed in PyTorch since 2018 is modernised (`add_(alpha=...)` instead of the removed
positional forms, `.to(device)` instead of `.cuda()`); the algorithm, including the reference's
way of building the unrolled model through `state_dict`, is kept as is, because that is the
cost we are comparing against.

    python bench/reference/darts_reference.py --order 2 --batch 64 --size 32 --channels 16 \
        --layers 8 --device cpu --steps 5
Prints one line in the format of nashost-bench-darts.
"""
import argparse
import statistics

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import count_aten_ops, time_steps

PRIMITIVES = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect',
              'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']


class ReLUConvBN(nn.Module):
    def __init__(self, C_in, C_out, k, stride, padding, affine=True):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(C_in, C_out, k, stride=stride, padding=padding, bias=False),
                                nn.BatchNorm2d(C_out, affine=affine))

    def forward(self, x):
        return self.op(x)


class DilConv(nn.Module):
    def __init__(self, C_in, C_out, k, stride, padding, dilation, affine=True):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(inplace=False),
                                nn.Conv2d(C_in, C_in, k, stride, padding, dilation=dilation, groups=C_in, bias=False),
                                nn.Conv2d(C_in, C_out, 1, bias=False), nn.BatchNorm2d(C_out, affine=affine))

    def forward(self, x):
        return self.op(x)


class SepConv(nn.Module):
    def __init__(self, C_in, C_out, k, stride, padding, affine=True):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False), nn.Conv2d(C_in, C_in, k, stride, padding, groups=C_in, bias=False),
            nn.Conv2d(C_in, C_in, 1, bias=False), nn.BatchNorm2d(C_in, affine=affine),
            nn.ReLU(inplace=False), nn.Conv2d(C_in, C_in, k, 1, padding, groups=C_in, bias=False),
            nn.Conv2d(C_in, C_out, 1, bias=False), nn.BatchNorm2d(C_out, affine=affine))

    def forward(self, x):
        return self.op(x)


class Identity(nn.Module):
    def forward(self, x):
        return x


class Zero(nn.Module):
    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        if self.stride == 1:
            return x.mul(0.)
        return x[:, :, ::self.stride, ::self.stride].mul(0.)


class FactorizedReduce(nn.Module):
    def __init__(self, C_in, C_out, affine=True):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=affine)

    def forward(self, x):
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


OPS = {
    'none': lambda C, stride, affine: Zero(stride),
    'avg_pool_3x3': lambda C, stride, affine: nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False),
    'max_pool_3x3': lambda C, stride, affine: nn.MaxPool2d(3, stride=stride, padding=1),
    'skip_connect': lambda C, stride, affine: Identity() if stride == 1 else FactorizedReduce(C, C, affine=affine),
    'sep_conv_3x3': lambda C, stride, affine: SepConv(C, C, 3, stride, 1, affine=affine),
    'sep_conv_5x5': lambda C, stride, affine: SepConv(C, C, 5, stride, 2, affine=affine),
    'dil_conv_3x3': lambda C, stride, affine: DilConv(C, C, 3, stride, 2, 2, affine=affine),
    'dil_conv_5x5': lambda C, stride, affine: DilConv(C, C, 5, stride, 4, 2, affine=affine),
}


class MixedOp(nn.Module):
    def __init__(self, C, stride):
        super().__init__()
        self._ops = nn.ModuleList()
        for primitive in PRIMITIVES:
            op = OPS[primitive](C, stride, False)
            if 'pool' in primitive:
                op = nn.Sequential(op, nn.BatchNorm2d(C, affine=False))
            self._ops.append(op)

    def forward(self, x, weights):
        return sum(w * op(x) for w, op in zip(weights, self._ops))


class Cell(nn.Module):
    def __init__(self, steps, multiplier, C_pp, C_p, C, reduction, reduction_prev):
        super().__init__()
        self.reduction = reduction
        self.preprocess0 = FactorizedReduce(C_pp, C, affine=False) if reduction_prev else ReLUConvBN(C_pp, C, 1, 1, 0, affine=False)
        self.preprocess1 = ReLUConvBN(C_p, C, 1, 1, 0, affine=False)
        self._steps, self._multiplier = steps, multiplier
        self._ops = nn.ModuleList()
        for i in range(steps):
            for j in range(2 + i):
                self._ops.append(MixedOp(C, 2 if reduction and j < 2 else 1))

    def forward(self, s0, s1, weights):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        offset = 0
        for _ in range(self._steps):
            s = sum(self._ops[offset + j](h, weights[offset + j]) for j, h in enumerate(states))
            offset += len(states)
            states.append(s)
        return torch.cat(states[-self._multiplier:], dim=1)


class Network(nn.Module):
    def __init__(self, C, in_channels, num_classes, layers, criterion, steps=4, multiplier=4, stem_multiplier=3,
                 device='cpu'):
        super().__init__()
        self._device = device
        self._C, self._in, self._num_classes, self._layers = C, in_channels, num_classes, layers
        self._criterion, self._steps, self._multiplier = criterion, steps, multiplier
        C_curr = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False), nn.BatchNorm2d(C_curr))
        C_pp, C_p, C_curr = C_curr, C_curr, C
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in [layers // 3, 2 * layers // 3]
            if reduction:
                C_curr *= 2
            self.cells.append(Cell(steps, multiplier, C_pp, C_p, C_curr, reduction, reduction_prev))
            reduction_prev = reduction
            C_pp, C_p = C_p, multiplier * C_curr
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_p, num_classes)
        k = sum(2 + i for i in range(steps))
        # The reference creates α with .cuda(): on the device, like the weights (moved by .to()).
        self.alphas_normal = (1e-3 * torch.randn(k, len(PRIMITIVES))).to(self._device).requires_grad_(True)
        self.alphas_reduce = (1e-3 * torch.randn(k, len(PRIMITIVES))).to(self._device).requires_grad_(True)

    def arch_parameters(self):
        return [self.alphas_normal, self.alphas_reduce]

    def new(self):
        model_new = Network(self._C, self._in, self._num_classes, self._layers, self._criterion,
                            device=self._device).to(self._device)
        for x, y in zip(model_new.arch_parameters(), self.arch_parameters()):
            x.data.copy_(y.data)
        return model_new

    def forward(self, x):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            weights = F.softmax(self.alphas_reduce if cell.reduction else self.alphas_normal, dim=-1)
            s0, s1 = s1, cell(s0, s1, weights)
        out = self.global_pooling(s1)
        return self.classifier(out.view(out.size(0), -1))

    def _loss(self, x, target):
        return self._criterion(self(x), target)


def _concat(xs):
    return torch.cat([x.view(-1) for x in xs])


class Architect:
    def __init__(self, model, momentum=0.9, weight_decay=3e-4, arch_lr=3e-4, arch_wd=1e-3):
        self.momentum, self.wd, self.model = momentum, weight_decay, model
        self.optimizer = torch.optim.Adam(model.arch_parameters(), lr=arch_lr, betas=(0.5, 0.999), weight_decay=arch_wd)

    def _compute_unrolled_model(self, x, target, eta, network_optimizer):
        loss = self.model._loss(x, target)
        theta = _concat(self.model.parameters()).data
        try:
            moment = _concat(network_optimizer.state[v]['momentum_buffer'] for v in self.model.parameters()).mul_(self.momentum)
        except KeyError:
            moment = torch.zeros_like(theta)
        dtheta = _concat(torch.autograd.grad(loss, self.model.parameters())).data + self.wd * theta
        return self._construct_model_from_theta(theta.sub(eta * (moment + dtheta)))

    def step(self, x_train, t_train, x_valid, t_valid, eta, network_optimizer, unrolled):
        self.optimizer.zero_grad()
        if unrolled:
            self._backward_step_unrolled(x_train, t_train, x_valid, t_valid, eta, network_optimizer)
        else:
            self.model._loss(x_valid, t_valid).backward()
        self.optimizer.step()

    def _backward_step_unrolled(self, x_train, t_train, x_valid, t_valid, eta, network_optimizer):
        unrolled_model = self._compute_unrolled_model(x_train, t_train, eta, network_optimizer)
        unrolled_model._loss(x_valid, t_valid).backward()
        dalpha = [v.grad for v in unrolled_model.arch_parameters()]
        vector = [v.grad.data for v in unrolled_model.parameters()]
        implicit_grads = self._hessian_vector_product(vector, x_train, t_train)
        for g, ig in zip(dalpha, implicit_grads):
            g.data.sub_(eta * ig.data)
        for v, g in zip(self.model.arch_parameters(), dalpha):
            if v.grad is None:
                v.grad = g.data.clone()
            else:
                v.grad.data.copy_(g.data)

    def _construct_model_from_theta(self, theta):
        model_new = self.model.new()
        model_dict = self.model.state_dict()
        params, offset = {}, 0
        for k, v in self.model.named_parameters():
            n = v.numel()
            params[k] = theta[offset:offset + n].view(v.size())
            offset += n
        model_dict.update(params)
        model_new.load_state_dict(model_dict)
        return model_new

    def _hessian_vector_product(self, vector, x, target, r=1e-2):
        R = r / _concat(vector).norm()
        for p, v in zip(self.model.parameters(), vector):
            p.data.add_(v, alpha=R)
        grads_p = torch.autograd.grad(self.model._loss(x, target), self.model.arch_parameters())
        for p, v in zip(self.model.parameters(), vector):
            p.data.sub_(v, alpha=2 * R)
        grads_n = torch.autograd.grad(self.model._loss(x, target), self.model.arch_parameters())
        for p, v in zip(self.model.parameters(), vector):
            p.data.add_(v, alpha=R)
        return [(a - b).div_(2 * R) for a, b in zip(grads_p, grads_n)]


def main():
    ap = argparse.ArgumentParser()
    for name, default in [('order', 2), ('batch', 64), ('size', 32), ('channels', 16), ('layers', 8), ('steps', 5), ('warmup', 1)]:
        ap.add_argument('--' + name, type=int, default=default)
    ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    torch.manual_seed(0)
    dev = torch.device(a.device)
    torch.backends.cudnn.benchmark = True  # as train_search.py sets it
    model = Network(a.channels, 3, 10, a.layers, nn.CrossEntropyLoss().to(dev), device=dev).to(dev)
    optimizer = torch.optim.SGD(model.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
    architect = Architect(model)
    xt, xv = torch.randn(a.batch, 3, a.size, a.size, device=dev), torch.randn(a.batch, 3, a.size, a.size, device=dev)
    tt, tv = torch.randint(0, 10, (a.batch,), device=dev), torch.randint(0, 10, (a.batch,), device=dev)
    cuda = dev.type == 'cuda'

    def step():
        architect.step(xt, tt, xv, tv, 0.025, optimizer, unrolled=a.order == 2)
        optimizer.zero_grad()
        loss = model._loss(xt, tt)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5)
        optimizer.step()

    ms, peak = time_steps(step, a.steps, a.warmup, cuda)
    ops = count_aten_ops(step)
    what = 'cuda_peak_allocated' if cuda else 'peak_rss'
    print(f"reference-darts order={a.order} batch={a.batch} size={a.size} C={a.channels} L={a.layers} device={a.device} "
          f"steps={a.steps}: median {statistics.median(ms):.1f} ms/step, {what} {peak:.0f} MiB, {ops} aten ops/step")


if __name__ == '__main__':
    main()
