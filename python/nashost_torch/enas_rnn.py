"""nashost's ENAS RNN cell model ("enas-rnn-scratch") as carpedm20/ENAS-pytorch's RNN
(models/shared_rnn.py), holding only the edges of its one cell.

Names are carpedm20's: encoder, w_xc, w_xh, w_hc_raw, w_hh_raw, _w_c.<k>, _w_h.<k>
(k = the position of the node pair (i, j) in carpedm20's list of all pairs), batch_norm,
decoder. The computation is nashost's (plugins/search_enas/src/shared_rnn.cpp), which in
eval mode is carpedm20's: node 0 from x_t and h_{t-1}, node j from its parent,
h_j = c_j * f_j(.) + (1 - c_j) * h_parent, output = BatchNorm(mean of the leaves), next
hidden = the last node with rows scaled to norm <= max_hidden_norm. BatchNorm exists in
every mode (carpedm20 builds it only with mode == 'train').
forward(inputs [T, B] token ids, hidden [B, H] or None) -> (logits [T, B, V], hidden).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {"tanh": torch.tanh, "ReLU": F.relu, "identity": lambda x: x, "sigmoid": torch.sigmoid}


def pair_index(i, j, n):
    """Position of W(i -> j) in carpedm20's _w_h / _w_c lists (pairs ordered by i, then j)."""
    return sum(n - 1 - a for a in range(i)) + (j - i - 1)


class RNN(nn.Module):
    def __init__(self, num_tokens, shared_embed, shared_hid, num_blocks, dag, tie_weights=True, max_hidden_norm=25.0):
        """dag: nashost's genotype "dag" list of {"activation", "parent"}."""
        super().__init__()
        self.num_blocks = num_blocks
        self.max_hidden_norm = max_hidden_norm
        self.tie_weights = tie_weights
        self.dag = [(n["activation"], n["parent"]) for n in dag]
        self.encoder = nn.Embedding(num_tokens, shared_embed)
        self.decoder = nn.Linear(shared_hid, num_tokens)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.w_xc = nn.Linear(shared_embed, shared_hid)
        self.w_xh = nn.Linear(shared_embed, shared_hid)
        self.w_hc_raw = nn.Parameter(torch.empty(shared_hid, shared_hid))
        self.w_hh_raw = nn.Parameter(torch.empty(shared_hid, shared_hid))
        self._w_h = nn.ModuleDict()
        self._w_c = nn.ModuleDict()
        for j in range(1, len(self.dag)):
            act, parent = self.dag[j]
            if act == "none":  # a node removed by an ablation keeps its id but has no edge
                continue
            k = str(pair_index(parent, j, num_blocks))
            self._w_h[k] = nn.Linear(shared_hid, shared_hid, bias=False)
            self._w_c[k] = nn.Linear(shared_hid, shared_hid, bias=False)
        self.batch_norm = nn.BatchNorm1d(shared_hid)
        live = [j for j, (a, _) in enumerate(self.dag) if a != "none"]
        parents = {p for j, (a, p) in enumerate(self.dag) if a != "none" and j > 0}
        self._leaves = [j for j in live if j not in parents]

    def tie_state(self, state):
        """The file holds a tied embedding once; the module has it under both names."""
        if self.tie_weights and "decoder.weight" not in state:
            state = dict(state)
            state["decoder.weight"] = state["encoder.weight"]
        return state

    def init_hidden(self, batch_size):
        return torch.zeros(batch_size, self.w_hh_raw.size(0), device=self.w_hh_raw.device)

    def cell(self, x, h_prev):
        h = {}
        act0 = ACTIVATIONS[self.dag[0][0]]
        c0 = torch.sigmoid(self.w_xc(x) + F.linear(h_prev, self.w_hc_raw))
        h[0] = c0 * act0(self.w_xh(x) + F.linear(h_prev, self.w_hh_raw)) + (1 - c0) * h_prev
        for j in range(1, len(self.dag)):
            act, parent = self.dag[j]
            if act == "none":
                continue
            k = str(pair_index(parent, j, self.num_blocks))
            c = torch.sigmoid(self._w_c[k](h[parent]))
            h[j] = c * ACTIVATIONS[act](self._w_h[k](h[parent])) + (1 - c) * h[parent]
        output = torch.mean(torch.stack([h[j] for j in self._leaves], 2), -1)
        return self.batch_norm(output), h[len(self.dag) - 1]

    def forward(self, inputs, hidden=None):
        if hidden is None:
            hidden = self.init_hidden(inputs.size(1))
        embed = self.encoder(inputs)
        outputs = []
        for t in range(inputs.size(0)):
            out, nxt = self.cell(embed[t], hidden)
            outputs.append(out)
            with torch.no_grad():  # a constant factor, as nashost (no gradient through it)
                factor = torch.clamp(self.max_hidden_norm / (nxt.norm(dim=1, keepdim=True) + 1e-12), max=1.0)
            hidden = nxt * factor
        output = torch.stack(outputs)
        return self.decoder(output), hidden


def build(config):
    return RNN(config["num_tokens"], config["shared_embed"], config["shared_hid"], config["num_blocks"],
               config["genotype"]["dag"], tie_weights=config["tie_weights"],
               max_hidden_norm=config["max_hidden_norm"])
