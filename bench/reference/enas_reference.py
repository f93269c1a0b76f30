#!/usr/bin/env python3
"""The reference ENAS RNN steps (carpedm20/ENAS-pytorch @ 0468b8c: models/shared_rnn.py,
models/controller.py, trainer.py train_shared / train_controller / get_reward), condensed
but computing the same thing, so that `nashost bench enas` can be compared with it on the
same torch build and machine. Only what PyTorch removed since 2018 is modernised
(Variable, volatile, clip_grad_norm); the per-timestep Python loop, the breadth-first cell
walk over a dict-of-lists DAG, and the host round trips of the hidden-norm clamp and the
reward are kept (numpy arrays there, CPU tensors here, so that torch alone runs it),
because they are the cost we compare against.

    python bench/reference/enas_reference.py --device cpu --hidden 1000 --steps 5
Prints two lines in the format of nashost-bench-enas (shared_step, controller_step).
"""
import argparse
import collections
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import count_aten_ops, time_steps

Node = collections.namedtuple('Node', ['id', 'name'])
ACTIVATIONS = ['tanh', 'ReLU', 'identity', 'sigmoid']


class EmbeddingDropout(nn.Embedding):
    def __init__(self, num, dim, dropout):
        super().__init__(num, dim)
        self.dropout = dropout

    def forward(self, inputs):
        w = self.weight
        if self.training:
            mask = w.new_empty(w.size(0), 1).bernoulli_(1 - self.dropout).expand_as(w) / (1 - self.dropout)
            w = w * mask
        return F.embedding(inputs, w)


class LockedDropout(nn.Module):
    def forward(self, x, dropout=0.5):
        if not self.training or not dropout:
            return x
        m = x.new_empty(1, x.size(1), x.size(2)).bernoulli_(1 - dropout) / (1 - dropout)
        return m.expand_as(x) * x


class SharedRNN(nn.Module):
    def __init__(self, a, vocab):
        super().__init__()
        self.a = a
        self.decoder = nn.Linear(a.hidden, vocab)
        self.encoder = EmbeddingDropout(vocab, a.hidden, 0.1)
        self.lockdrop = LockedDropout()
        self.decoder.weight = self.encoder.weight  # tied
        self.w_xc = nn.Linear(a.hidden, a.hidden)
        self.w_xh = nn.Linear(a.hidden, a.hidden)
        self.w_hc_raw = nn.Parameter(torch.empty(a.hidden, a.hidden))
        self.w_hh_raw = nn.Parameter(torch.empty(a.hidden, a.hidden))
        self.w_h, self.w_c = collections.defaultdict(dict), collections.defaultdict(dict)
        for i in range(a.num_blocks):
            for j in range(i + 1, a.num_blocks):
                self.w_h[i][j] = nn.Linear(a.hidden, a.hidden, bias=False)
                self.w_c[i][j] = nn.Linear(a.hidden, a.hidden, bias=False)
        self._w_h = nn.ModuleList([self.w_h[i][j] for i in self.w_h for j in self.w_h[i]])
        self._w_c = nn.ModuleList([self.w_c[i][j] for i in self.w_c for j in self.w_c[i]])
        self.batch_norm = nn.BatchNorm1d(a.hidden)
        for p in self.parameters():
            p.data.uniform_(-0.025, 0.025)
        self.decoder.bias.data.fill_(0)

    def forward(self, inputs, dag, hidden):
        self.w_hh = F.dropout(self.w_hh_raw, p=0.5, training=self.training)
        self.w_hc = F.dropout(self.w_hc_raw, p=0.5, training=self.training)
        embed = self.lockdrop(self.encoder(inputs), 0.65 if self.training else 0)
        logits, hiddens = [], []
        for step in range(inputs.size(0)):
            logit, hidden = self.cell(embed[step], hidden, dag)
            hidden_norms = hidden.norm(dim=-1)
            max_norm = 25.0
            if hidden_norms.data.max() > max_norm:  # the reference's clamp, host round trip included
                hidden_norms = hidden_norms.data.cpu()
                mask = (hidden_norms > max_norm).to(hidden.device)
                norm = hidden[mask].norm(dim=-1).unsqueeze(-1)
                hidden = hidden.clone()
                hidden[mask] = hidden[mask] * (max_norm / norm.detach())
            logits.append(logit)
            hiddens.append(hidden)
        output = self.lockdrop(torch.stack(logits), 0.4 if self.training else 0)
        decoded = self.decoder(output.view(-1, output.size(2))).view(output.size(0), output.size(1), -1)
        return decoded, hidden, {'hiddens': torch.stack(hiddens)}

    @staticmethod
    def get_f(name):
        return {'relu': F.relu, 'tanh': torch.tanh, 'identity': lambda x: x, 'sigmoid': torch.sigmoid}[name.lower()]

    def cell(self, x, h_prev, dag):
        c, h, f = {}, {}, {}
        f[0] = self.get_f(dag[-1][0].name)
        c[0] = torch.sigmoid(self.w_xc(x) + F.linear(h_prev, self.w_hc, None))
        h[0] = c[0] * f[0](self.w_xh(x) + F.linear(h_prev, self.w_hh, None)) + (1 - c[0]) * h_prev
        leaf_node_ids = []
        q = collections.deque([0])
        while q:
            node_id = q.popleft()
            for next_node in dag[node_id]:
                next_id = next_node.id
                if next_id == self.a.num_blocks:
                    leaf_node_ids.append(node_id)
                    continue
                f[next_id] = self.get_f(next_node.name)
                c[next_id] = torch.sigmoid(self.w_c[node_id][next_id](h[node_id]))
                h[next_id] = c[next_id] * f[next_id](self.w_h[node_id][next_id](h[node_id])) + (1 - c[next_id]) * h[node_id]
                q.append(next_id)
        output = torch.mean(torch.stack([h[i] for i in sorted(leaf_node_ids)]), 0)
        return self.batch_norm(output), h[self.a.num_blocks - 1]


def construct_dags(prev_nodes, activations, num_blocks):
    dags = []
    for nodes, func_ids in zip(prev_nodes, activations):
        dag = collections.defaultdict(list)
        dag[-1] = [Node(0, ACTIVATIONS[func_ids[0]])]
        dag[-2] = [Node(0, ACTIVATIONS[func_ids[0]])]
        for jdx, (idx, func_id) in enumerate(zip(nodes, func_ids[1:])):
            dag[int(idx)].append(Node(jdx + 1, ACTIVATIONS[func_id]))
        for idx in set(range(num_blocks)) - dag.keys():
            dag[idx] = [Node(num_blocks, 'avg')]
        dag[num_blocks] = [Node(num_blocks + 1, 'h[t]')]
        dags.append(dag)
    return dags


class Controller(nn.Module):
    def __init__(self, a, device):
        super().__init__()
        self.a, self.device = a, device
        self.num_tokens = [len(ACTIVATIONS)]
        for idx in range(a.num_blocks):
            self.num_tokens += [idx + 1, len(ACTIVATIONS)]
        self.encoder = nn.Embedding(sum(self.num_tokens), 100)
        self.lstm = nn.LSTMCell(100, 100)
        self._decoders = nn.ModuleList([nn.Linear(100, size) for size in self.num_tokens])
        for p in self.parameters():
            p.data.uniform_(-0.1, 0.1)
        for d in self._decoders:
            d.bias.data.fill_(0)

    def forward(self, inputs, hidden, block_idx, is_embed):
        embed = inputs if is_embed else self.encoder(inputs)
        hx, cx = self.lstm(embed, hidden)
        logits = self._decoders[block_idx](hx) / 5.0  # softmax_temperature
        return 2.5 * torch.tanh(logits), (hx, cx)       # tanh_c

    def sample(self, batch_size=1):
        inputs = torch.zeros(batch_size, 100, device=self.device)
        hidden = (torch.zeros(batch_size, 100, device=self.device), torch.zeros(batch_size, 100, device=self.device))
        activations, entropies, log_probs, prev_nodes = [], [], [], []
        for block_idx in range(2 * (self.a.num_blocks - 1) + 1):
            logits, hidden = self.forward(inputs, hidden, block_idx, is_embed=(block_idx == 0))
            probs = F.softmax(logits, dim=-1)
            log_prob = F.log_softmax(logits, dim=-1)
            entropies.append(-(log_prob * probs).sum(1))
            action = probs.multinomial(num_samples=1).data
            log_probs.append(log_prob.gather(1, action)[:, 0])
            mode = block_idx % 2
            inputs = action[:, 0] + sum(self.num_tokens[:mode])
            (activations if mode == 0 else prev_nodes).append(action[:, 0])
        dags = construct_dags(torch.stack(prev_nodes).transpose(0, 1).tolist(),
                              torch.stack(activations).transpose(0, 1).tolist(), self.a.num_blocks)
        return dags, torch.cat(log_probs), torch.cat(entropies)


def main():
    ap = argparse.ArgumentParser()
    for name, default in [('hidden', 1000), ('num-blocks', 12), ('vocab', 10000), ('batch', 64), ('bptt', 35), ('steps', 5)]:
        ap.add_argument('--' + name, type=int, default=default)
    ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    torch.manual_seed(1)
    dev = torch.device(a.device)
    cuda = dev.type == 'cuda'
    shared = SharedRNN(a, a.vocab).to(dev)
    controller = Controller(a, dev).to(dev)
    shared_optim = torch.optim.SGD(shared.parameters(), lr=20.0, weight_decay=1e-7)
    controller_optim = torch.optim.Adam(controller.parameters(), lr=3.5e-4)
    tokens = torch.randint(0, a.vocab, (a.bptt + 1, a.batch), device=dev)
    inputs, targets = tokens[:-1], tokens[1:].reshape(-1)
    ce = nn.CrossEntropyLoss()
    state = {'hidden': torch.zeros(a.batch, a.hidden, device=dev), 'baseline': None}

    def shared_step():  # trainer.train_shared, one step
        shared.train()
        controller.eval()
        dags, _, _ = controller.sample(1)
        output, hidden, _ = shared(inputs, dags[0], state['hidden'])
        loss = ce(output.view(-1, a.vocab), targets)
        state['hidden'] = hidden.detach()
        shared_optim.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(shared.parameters(), 0.25)
        shared_optim.step()

    def controller_step():  # trainer.train_controller, one step (reward from one valid chunk)
        controller.train()
        dags, log_probs, entropies = controller.sample()
        np_entropies = entropies.data.cpu()
        with torch.no_grad():
            output, hidden, _ = shared(inputs, dags[0], state['hidden'])
            valid_loss = ce(output.view(-1, a.vocab), targets).item()
        state['hidden'] = hidden
        rewards = 80.0 / math.exp(valid_loss) + 1e-4 * np_entropies
        b = state['baseline']
        state['baseline'] = rewards if b is None else 0.95 * b + 0.05 * rewards
        adv = rewards - state['baseline']
        loss = (-log_probs * adv.to(dev)).sum()
        controller_optim.zero_grad()
        loss.backward()
        controller_optim.step()

    for name, step in [('shared_step', shared_step), ('controller_step', controller_step)]:
        ms, peak = time_steps(step, a.steps, 1, cuda)
        ops = count_aten_ops(step)
        print(f"reference-enas-rnn {name:<16s} device={a.device} hidden={a.hidden} blocks={a.num_blocks} batch={a.batch} "
              f"bptt={a.bptt} median_ms={ms[len(ms) // 2]:.2f} min_ms={ms[0]:.2f} "
              f"peak_{'gpu_alloc' if cuda else 'rss'}_mib={peak:.1f} steps={a.steps} aten_ops={ops}", flush=True)


if __name__ == '__main__':
    main()
