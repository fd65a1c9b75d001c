"""The zoo's own training: a network as sheetnet's network file states it, trained by plain backpropagation.

Written here from the definitions, not taken from sheetnet, so that the zoo's numbers are an
independent witness of sheetnet's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Net:
    """A fully connected network as sheetnet's network file states it (W[l][j][i]: neuron j, input i)."""

    layers: list[int]
    activation: str
    output_activation: str
    loss: str
    lr: float
    iters: int
    W: list[list[list[float]]]
    B: list[list[float]]
    samples: list[tuple[list[float], list[float]]]
    reduction: str = "mean"
    batch_size: int | None = None
    train_biases: bool = True  # False: the biases are typed and never updated (Mazur's example)

    def names(self) -> list[str]:
        """Every parameter, in the network file's order: W1 row by row, B1, W2, B2, …"""
        out = []
        for l in range(len(self.W)):
            out += [f"W{l + 1}[{j},{i}]" for j in range(len(self.W[l])) for i in range(len(self.W[l][j]))]
            out += [f"B{l + 1}[{j}]" for j in range(len(self.B[l]))]
        return out

    def toml(self, comment: str) -> str:
        def vec(v: list[float]) -> str:
            return "[" + ", ".join(repr(float(x)) for x in v) + "]"

        lines = [f"# {line}" for line in comment.splitlines()]
        lines += [
            f"layers = {self.layers}",
            f'activation = "{self.activation}"',
            f'output_activation = "{self.output_activation}"',
            f'loss = "{self.loss}"',
            f"lr = {self.lr!r}",
            f"iters = {self.iters}",
        ]
        if len(self.samples) > 1:
            lines.append(f'reduction = "{self.reduction}"')
        if self.batch_size:
            lines.append(f"batch_size = {self.batch_size}")
        if not self.train_biases:
            lines.append("train_biases = false")
        lines += ["", "[init]"]
        for l, (w, b) in enumerate(zip(self.W, self.B, strict=True), start=1):
            lines.append(f"W{l} = [" + ", ".join(vec(row) for row in w) + "]")
            lines.append(f"B{l} = {vec(b)}")
        for x, y in self.samples:
            lines += ["", "[[samples]]", f"x = {vec(x)}", f"y = {vec(y)}"]
        return "\n".join(lines) + "\n"


def f(name: str, s: float) -> float:
    if name == "sigmoid":
        return 1 / (1 + math.exp(-s))
    if name == "tanh":
        return math.tanh(s)
    if name == "relu":
        return max(0.0, s)
    return s


def f_slope(name: str, s: float, a: float) -> float:
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return 1.0 if s > 0 else 0.0
    return 1.0


@dataclass
class Seen:
    """One sample's pass: pre-activations s[l][j], activations a[l][j], its loss, dS[l][j] = ∂L_sample/∂s."""

    x: list[float]
    y: list[float]
    s: list[list[float]]
    a: list[list[float]]
    loss: float
    dS: list[list[float]]


@dataclass
class Step:
    """One iteration: the parameters it used, its samples, its loss, gradients and updated parameters."""

    W: list[list[list[float]]]
    B: list[list[float]]
    seen: list[Seen]
    loss: float
    gW: list[list[list[float]]]
    gB: list[list[float]]
    W_next: list[list[list[float]]]
    B_next: list[list[float]]

    def param(self, name: str, *, after: bool = False, grad: bool = False) -> float:
        kind, l, idx = name[0], int(name[1]) - 1, [int(v) for v in name[3:-1].split(",")]
        table = (self.gW if grad else self.W_next if after else self.W) if kind == "W" else None
        if kind == "B":
            table = self.gB if grad else self.B_next if after else self.B
        return table[l][idx[0]][idx[1]] if kind == "W" else table[l][idx[0]]


def forward(net: Net, W, B, x: list[float], y: list[float]) -> Seen:
    depth = len(W)
    s_all, a_all, a = [], [], x
    for l in range(depth):
        act = net.output_activation if l == depth - 1 else net.activation
        s = [sum(w * v for w, v in zip(W[l][j], a, strict=True)) + B[l][j] for j in range(len(W[l]))]
        a = [f(act, v) for v in s]
        s_all.append(s)
        a_all.append(a)
    out, K = a_all[-1], len(y)
    if net.loss == "cross_entropy":
        loss = -sum(t * math.log(o) + (1 - t) * math.log(1 - o) for o, t in zip(out, y, strict=True))
        d_out = [o - t for o, t in zip(out, y, strict=True)]  # ∂L/∂s at a sigmoid output
    else:
        scale = 0.5 if net.loss == "half_squared_error" else 1 / K
        loss = scale * sum((o - t) ** 2 for o, t in zip(out, y, strict=True))
        d_out = [
            2 * scale * (o - t) * f_slope(net.output_activation, s, o)
            for o, t, s in zip(out, y, s_all[-1], strict=True)
        ]
    dS = [d_out]
    for l in range(depth - 2, -1, -1):
        nxt = dS[0]
        dS.insert(
            0,
            [
                sum(W[l + 1][k][j] * nxt[k] for k in range(len(nxt)))
                * f_slope(net.activation, s_all[l][j], a_all[l][j])
                for j in range(len(W[l]))
            ],
        )
    return Seen(x, y, s_all, a_all, loss, dS)


def train(net: Net) -> list[Step]:
    """Plain gradient descent; each iteration uses all samples, or the next `batch_size` of them."""
    W = [[list(r) for r in w] for w in net.W]
    B = [list(b) for b in net.B]
    per = net.batch_size or len(net.samples)
    steps = []
    for t in range(net.iters):
        batch = [net.samples[(t * per + k) % len(net.samples)] for k in range(per)]
        seen = [forward(net, W, B, x, y) for x, y in batch]
        share = 1 / per if net.reduction == "mean" else 1.0
        gW = [
            [
                [
                    share * sum(v.dS[l][j] * (v.x if l == 0 else v.a[l - 1])[i] for v in seen)
                    for i in range(len(W[l][j]))
                ]
                for j in range(len(W[l]))
            ]
            for l in range(len(W))
        ]
        gB = [[share * sum(v.dS[l][j] for v in seen) for j in range(len(B[l]))] for l in range(len(B))]
        W_next = [
            [[w - net.lr * g for w, g in zip(r, gr, strict=True)] for r, gr in zip(wl, gl, strict=True)]
            for wl, gl in zip(W, gW, strict=True)
        ]
        B_next = [[b - net.lr * g for b, g in zip(bl, gl, strict=True)] for bl, gl in zip(B, gB, strict=True)]
        if not net.train_biases:
            B_next = [list(bl) for bl in B]
        steps.append(Step(W, B, seen, share * sum(v.loss for v in seen), gW, gB, W_next, B_next))
        W, B = W_next, B_next
    return steps
