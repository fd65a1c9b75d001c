# ruff: noqa: E731, B023 - a reviewer's builder kept as written: closures are called at once, in their loop
"""Workbooks of many styles a student or a tutorial writes, with formulas and no cached values.

Written for an independent review of `sheetnet init --from` (a reviewer who had not seen its
code), then kept as tests: a network `Net` trained by spreadsheet formulas in a `Style` — rows,
columns or blocks; σ, tanh, ReLU or no activation, each spelled several ways; SUMPRODUCT or
products either way round; biases held fixed in a cell, typed into the formulas, or trained; η in a
cell, far away, on another sheet, as a defined name or typed into the updates; the loss as ½
squared error, mean squared error, cross-entropy or not written; a slip. openpyxl writes the
formulas; LibreOffice computes their values (tests/test_infer_varied.py). Nothing here uses
sheetnet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter as L


@dataclass
class Net:
    x: list
    y: list
    W1: list  # [hid][in]
    W2: list  # [out][hid]
    B1: list | None = None  # per neuron
    B2: list | None = None
    train_biases: bool = False
    hid: str = "sigmoid"
    out: str = "sigmoid"
    loss: str = "half_squared_error"
    lr: float = 0.5
    iters: int = 5

    def toml(self, comment=""):
        ni, nh, no = len(self.x), len(self.W1), len(self.W2)
        b1 = self.B1 or [0.0] * nh
        b2 = self.B2 or [0.0] * no
        f = lambda v: json.dumps(v)
        return (
            f'# {comment}\nlayers = [{ni}, {nh}, {no}]\nactivation = "{self.hid}"\n'
            f'output_activation = "{self.out}"\nloss = "{self.loss}"\nlr = {self.lr}\niters = {self.iters}\n'
            f"train_biases = {'true' if self.train_biases else 'false'}\n\n[init]\n"
            f"W1 = {f(self.W1)}\nB1 = {f(b1)}\nW2 = {f(self.W2)}\nB2 = {f(b2)}\n\n[[samples]]\n"
            f"x = {f(self.x)}\ny = {f(self.y)}\n"
        )


ACT = {
    "sig1": ("sigmoid", "1/(1+EXP(-{z}))"),
    "sig2": ("sigmoid", "EXP({z})/(1+EXP({z}))"),
    "sig3": ("sigmoid", "1/(1+2.71828^-{z})"),
    "tanh": ("tanh", "TANH({z})"),
    "tanh2": ("tanh", "(EXP({z})-EXP(-{z}))/(EXP({z})+EXP(-{z}))"),
    "relu": ("relu", "MAX(0,{z})"),
    "relu_if": ("relu", "IF({z}>0,{z},0)"),
    "linear": ("linear", None),  # no activation column
}


def fprime(kind, z, a):
    return {
        "sigmoid": f"{a}*(1-{a})",
        "tanh": f"(1-{a}^2)",
        "relu": f"IF({z}>0,1,0)",
        "linear": "1",
    }[kind]


@dataclass
class Style:
    layout: str = "rows"  # rows | cols | blocks
    hid: str = "sig1"
    out: str = "sig1"
    pre: str = "wx"  # wx | xw | sumproduct | bias_first
    bias: str = "none"  # none | fixed_cell | fixed_typed | trained
    eta: str = "cell"  # cell | typed | far | othersheet | name
    loss_col: str = "half"  # half | mse | ce | none
    slip: str | None = None  # "w3" -> dE/dw3 uses a_h1 in place of a_h2
    inline_update: bool = False  # w5 update computes the gradient inline
    plus_update: bool = False  # w <- w + eta*delta with delta = -grad
    iter_col: str | None = None  # a column of iteration numbers with this header
    title: str = ""
    r0: int = 6
    c0: int = 2
    eta_at: tuple | None = None  # (label cell, value cell) for eta="at"
    wnum: str = "rows"  # rows: w1 w2 into h1 ; cols: w1 w2 from i1


def build(path: Path, net: Net, st: Style, wb=None, sheet_title="Sheet1", save=True) -> Workbook:
    """Write `net` trained by formulas in the style `st` (to `path` if `save`): no cached values."""
    ni, nh, no = len(net.x), len(net.W1), len(net.W2)
    hkind, hform = ACT[st.hid]
    okind, oform = ACT[st.out]
    assert hkind == net.hid and okind == net.out, (hkind, net.hid, okind, net.out)
    if wb is None:
        wb = Workbook()
        ws = wb.active
        ws.title = sheet_title
    else:
        ws = wb[sheet_title] if sheet_title in wb.sheetnames else wb.create_sheet(sheet_title)
    # quantity list
    q = []
    q += [f"i{i + 1}" for i in range(ni)] + [f"t{k + 1}" for k in range(no)]
    wname = {}
    n = 1
    if st.wnum == "cols":
        for i in range(ni):
            for j in range(nh):
                wname[(1, j, i)] = f"w{n}"
                n += 1
    else:
        for j in range(nh):
            for i in range(ni):
                wname[(1, j, i)] = f"w{n}"
                n += 1
    for k in range(no):
        for j in range(nh):
            wname[(2, k, j)] = f"w{n}"
            n += 1
    bname = {}
    if st.bias == "trained":
        m = 1
        for j in range(nh):
            bname[(1, j)] = f"b{m}"
            m += 1
        for k in range(no):
            bname[(2, k)] = f"b{m}"
            m += 1
    q += sorted([wname[(1, j, i)] for j in range(nh) for i in range(ni)], key=lambda w: int(w[1:]))
    if st.bias == "trained":
        q += [bname[(1, j)] for j in range(nh)]
    if st.pre == "sumproduct":
        q += [f"h{j + 1}" for j in range(nh)] + ([f"a_h{j + 1}" for j in range(nh)] if hform else [])
    else:
        for j in range(nh):
            q.append(f"h{j + 1}")
            if hform:
                q.append(f"a_h{j + 1}")
    q += [wname[(2, k, j)] for k in range(no) for j in range(nh)]
    if st.bias == "trained":
        q += [bname[(2, k)] for k in range(no)]
    for k in range(no):
        q.append(f"o{k + 1}")
        if oform:
            q.append(f"a_o{k + 1}")
    if st.loss_col != "none":
        if no > 1:
            q += [f"E{k + 1}" for k in range(no)]
        q.append("E_total")
    q += [f"d_o{k + 1}" for k in range(no)] + [f"d_h{j + 1}" for j in range(nh)]
    grads = [wname[key] for key in sorted(wname, key=lambda k: int(wname[k][1:]))] + [
        bname[k] for k in sorted(bname, key=lambda k: int(bname[k][1:]))
    ]
    q += [f"dE/d{g}" for g in grads]
    if st.iter_col:
        q = [st.iter_col, *q]
    idx = {name_: t for t, name_ in enumerate(q)}

    # placement
    R0, C0 = st.r0, st.c0  # top-left of the table header
    if st.layout == "rows":
        for name_, t in idx.items():
            ws.cell(R0, C0 + t, name_)
        cell = lambda name_, it, ab=False: f"{L(C0 + idx[name_])}{R0 + 1 + it}"
    elif st.layout == "cols":
        for name_, t in idx.items():
            ws.cell(R0 + t, C0, name_)
        for it in range(net.iters):
            ws.cell(R0 - 1, C0 + 1 + it, f"Iteration {it + 1}")
        cell = lambda name_, it, ab=False: f"{L(C0 + 1 + it)}{R0 + idx[name_]}"
    elif st.layout == "blocks":
        H = len(q) + 2
        for it in range(net.iters):
            ws.cell(R0 + it * H, C0, f"Iteration {it + 1}")
            for name_, t in idx.items():
                ws.cell(R0 + it * H + 1 + t, C0, name_)
        cell = lambda name_, it, ab=False: f"{L(C0 + 1)}{R0 + it * H + 1 + idx[name_]}"
    put = lambda name_, it, v: ws.__setitem__(cell(name_, it), v)

    # eta
    if st.eta == "cell":
        ws["B2"], ws["C2"] = "eta", net.lr
        eta = "$C$2"
    elif st.eta == "far":
        ws["AZ1"], ws["BA1"] = "learning rate", net.lr
        eta = "$BA$1"
    elif st.eta == "othersheet":
        ps = wb.create_sheet("Params")
        ps["A1"], ps["B1"] = "learning rate", net.lr
        eta = "Params!$B$1"
    elif st.eta == "name":
        from openpyxl.workbook.defined_name import DefinedName

        ws["B2"], ws["C2"] = "LearningRate", net.lr
        dn = DefinedName("LearningRate", attr_text=f"'{ws.title}'!$C$2")
        wb.defined_names["LearningRate"] = dn
        eta = "LearningRate"
    elif st.eta == "panel":  # a parameters panel right of the table, a few rows down
        ws["AM9"], ws["AN9"] = "η", net.lr
        eta = "$AN$9"
    elif st.eta == "at":
        (lc, vc) = st.eta_at
        ws[lc], ws[vc] = "η", net.lr
        eta = "$" + "".join(ch for ch in vc if ch.isalpha()) + "$" + "".join(ch for ch in vc if ch.isdigit())
    elif st.eta == "typed":
        eta = repr(net.lr)
    # fixed biases
    if st.bias == "fixed_cell":
        ws["E2"], ws["F2"] = "b1", net.B1[0]
        ws["E3"], ws["F3"] = "b2", net.B2[0]
        bref = {1: "$F$2", 2: "$F$3"}
    elif st.bias == "fixed_typed":
        bref = {1: repr(net.B1[0]), 2: repr(net.B2[0])}
    if st.title:
        ws["B1"] = st.title

    for it in range(net.iters):
        c = lambda nm: cell(nm, it)
        if st.iter_col:
            put(st.iter_col, it, it + 1)
        for i in range(ni):
            put(f"i{i + 1}", it, net.x[i])
        for k in range(no):
            put(f"t{k + 1}", it, net.y[k])
        params = list(wname.items()) + list(bname.items())
        for key, nm in params:
            if it == 0:
                if key[0] == 1 and len(key) == 3:
                    put(nm, 0, net.W1[key[1]][key[2]])
                elif len(key) == 3:
                    put(nm, 0, net.W2[key[1]][key[2]])
                elif key[0] == 1:
                    put(nm, 0, net.B1[key[1]])
                else:
                    put(nm, 0, net.B2[key[1]])
            else:
                prev = cell(nm, it - 1)
                g = cell(f"dE/d{nm}", it - 1)
                put(nm, it, f"={prev}-{eta}*{g}")
        if st.inline_update and it > 0:
            # rewrite the output-layer weight updates with the gradient inline
            for (l, k, j), nm in wname.items():
                if l != 2:
                    continue
                p = lambda s: cell(s, it - 1)
                prev = p(nm)
                a_o = p(f"a_o{k + 1}") if oform else p(f"o{k + 1}")
                a_h = p(f"a_h{j + 1}") if hform else p(f"h{j + 1}")
                put(nm, it, f"={prev}-{eta}*({a_o}-{p(f't{k + 1}')})*{fprime(okind, p(f'o{k + 1}'), a_o)}*{a_h}")

        def preact(l, j):
            if l == 1:
                pairs = [(c(wname[(1, j, i)]), c(f"i{i + 1}")) for i in range(ni)]
            else:
                pairs = [(c(wname[(2, j, h)]), c(f"a_h{h + 1}") if hform else c(f"h{h + 1}")) for h in range(nh)]
            if st.bias == "trained":
                b = c(bname[(l, j)])
            elif st.bias in ("fixed_cell", "fixed_typed"):
                b = bref[l]
            else:
                b = None
            if st.pre == "sumproduct":
                # weights and inputs are contiguous in rows layout only for layer 1
                ws_ = [w for w, _ in pairs]
                xs = [x for _, x in pairs]
                s = f"SUMPRODUCT({ws_[0]}:{ws_[-1]},{xs[0]}:{xs[-1]})"
            elif st.pre == "xw":
                s = "+".join(f"{x}*{w}" for w, x in pairs)
            else:
                s = "+".join(f"{w}*{x}" for w, x in pairs)
            if b is not None:
                s = f"{b}+{s}" if st.pre == "bias_first" else f"{s}+{b}"
            return "=" + s

        for j in range(nh):
            put(f"h{j + 1}", it, preact(1, j))
            if hform:
                put(f"a_h{j + 1}", it, "=" + hform.format(z=c(f"h{j + 1}")))
        for k in range(no):
            put(f"o{k + 1}", it, preact(2, k))
            if oform:
                put(f"a_o{k + 1}", it, "=" + oform.format(z=c(f"o{k + 1}")))
        A = lambda k: c(f"a_o{k + 1}") if oform else c(f"o{k + 1}")
        Ah = lambda j: c(f"a_h{j + 1}") if hform else c(f"h{j + 1}")
        if st.loss_col != "none":
            if st.loss_col == "half":
                per = [f"0.5*({c(f't{k + 1}')}-{A(k)})^2" for k in range(no)]
            elif st.loss_col == "mse":
                per = [f"({c(f't{k + 1}')}-{A(k)})^2/{no}" for k in range(no)]
            elif st.loss_col == "ce":
                per = [f"-({c(f't{k + 1}')}*LN({A(k)})+(1-{c(f't{k + 1}')})*LN(1-{A(k)}))" for k in range(no)]
            if no > 1:
                for k in range(no):
                    put(f"E{k + 1}", it, "=" + per[k])
                put("E_total", it, "=" + "+".join(c(f"E{k + 1}") for k in range(no)))
            else:
                put("E_total", it, "=" + per[0])
        for k in range(no):
            a, z, t = A(k), c(f"o{k + 1}"), c(f"t{k + 1}")
            if net.loss == "cross_entropy":
                d = f"={a}-{t}"
            elif net.loss == "mse":
                d = f"=2/{no}*({a}-{t})*{fprime(okind, z, a)}"
            else:
                d = f"=({a}-{t})*{fprime(okind, z, a)}"
            put(f"d_o{k + 1}", it, d)
        for j in range(nh):
            back = "+".join(f"{c(f'd_o{k + 1}')}*{c(wname[(2, k, j)])}" for k in range(no))
            put(f"d_h{j + 1}", it, f"=({back})*{fprime(hkind, c(f'h{j + 1}'), Ah(j))}")
        for (l, j, i), nm in wname.items():
            if l == 1:
                hh = j
                if st.slip == nm:
                    hh = 1 - j  # uses the other hidden neuron's delta
                put(f"dE/d{nm}", it, f"={c(f'd_h{hh + 1}')}*{c(f'i{i + 1}')}")
            else:
                put(f"dE/d{nm}", it, f"={c(f'd_o{j + 1}')}*{Ah(i)}")
        for (l, j), nm in bname.items():
            put(f"dE/d{nm}", it, f"={c(f'd_h{j + 1}' if l == 1 else f'd_o{j + 1}')}")
    if save:
        wb.save(path)
    return wb


def mazur(**kw) -> Net:
    """Mazur's worked example: i = .05, .10; t = .01, .99; w1…w8 = .15 … .55; b = .35, .60; η = 0.5."""
    d = dict(
        x=[0.05, 0.10],
        y=[0.01, 0.99],
        W1=[[0.15, 0.20], [0.25, 0.30]],
        W2=[[0.40, 0.45], [0.50, 0.55]],
        B1=[0.35, 0.35],
        B2=[0.60, 0.60],
        lr=0.5,
        iters=6,
    )
    d.update(kw)
    return Net(**d)


XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0.0, 1.0, 1.0, 0.0]


def xor_batch(path: Path, *, slip: bool = False, iters: int = 5, lr: float = 2.0) -> str:
    """XOR, 2-2-1 sigmoid with trained biases, the four samples in four rows per iteration (the
    weights of rows 2–4 copy row 1's), the mean gradient in a fifth row. `slip`: sample 3's d_h1
    uses w6 where w5 belongs. Returns the network file of the truth."""
    w1, w2, b1, b2 = [[0.5, -0.4], [0.3, 0.8]], [[0.7, -0.6]], [0.1, -0.2], [0.05]
    wb = Workbook()
    ws = wb.active
    ws.title = "XOR"
    ws["A1"], ws["B1"] = "learning rate", lr
    params = ["w1", "w2", "w3", "w4", "b1", "b2", "w5", "w6", "b3"]
    per_sample = ["x1", "x2", "t", "h1", "a_h1", "h2", "a_h2", "o", "a_o", "E", "d_o", "d_h1", "d_h2"]
    cols = {nm: L(c) for c, nm in enumerate(["iter", "sample", *params, *per_sample, *(f"g_{p}" for p in params)], 1)}
    for nm, col in cols.items():
        ws[f"{col}3"] = nm
    init = dict(
        zip(params, [w1[0][0], w1[0][1], w1[1][0], w1[1][1], b1[0], b1[1], w2[0][0], w2[0][1], b2[0]], strict=True)
    )
    grads = {
        "w1": ("d_h1", "x1"),
        "w2": ("d_h1", "x2"),
        "w3": ("d_h2", "x1"),
        "w4": ("d_h2", "x2"),
        "b1": ("d_h1", None),
        "b2": ("d_h2", None),
        "w5": ("d_o", "a_h1"),
        "w6": ("d_o", "a_h2"),
        "b3": ("d_o", None),
    }
    block = 5
    for it in range(iters):
        top = 4 + it * block
        for s in range(4):
            r = top + s

            def q(nm: str, r: int = r) -> str:
                return f"{cols[nm]}{r}"

            ws[q("iter")], ws[q("sample")] = it + 1, s + 1
            for p in params:
                if s > 0:
                    ws[q(p)] = f"={cols[p]}{top}"
                elif it == 0:
                    ws[q(p)] = init[p]
                else:
                    ws[q(p)] = f"={cols[p]}{r - block}-$B$1*{cols['g_' + p]}{r - block + 4}"
            ws[q("x1")], ws[q("x2")], ws[q("t")] = XOR_X[s][0], XOR_X[s][1], XOR_Y[s]
            ws[q("h1")] = f"={q('w1')}*{q('x1')}+{q('w2')}*{q('x2')}+{q('b1')}"
            ws[q("a_h1")] = f"=1/(1+EXP(-{q('h1')}))"
            ws[q("h2")] = f"={q('w3')}*{q('x1')}+{q('w4')}*{q('x2')}+{q('b2')}"
            ws[q("a_h2")] = f"=1/(1+EXP(-{q('h2')}))"
            ws[q("o")] = f"={q('w5')}*{q('a_h1')}+{q('w6')}*{q('a_h2')}+{q('b3')}"
            ws[q("a_o")] = f"=1/(1+EXP(-{q('o')}))"
            ws[q("E")] = f"=0.5*({q('t')}-{q('a_o')})^2"
            ws[q("d_o")] = f"=({q('a_o')}-{q('t')})*{q('a_o')}*(1-{q('a_o')})"
            into_h1 = "w6" if slip and s == 2 else "w5"
            ws[q("d_h1")] = f"={q('d_o')}*{q(into_h1)}*{q('a_h1')}*(1-{q('a_h1')})"
            ws[q("d_h2")] = f"={q('d_o')}*{q('w6')}*{q('a_h2')}*(1-{q('a_h2')})"
            for p, (d, x) in grads.items():
                ws[q("g_" + p)] = f"={q(d)}*{q(x)}" if x else f"={q(d)}"
        mean = top + 4
        ws[f"{cols['sample']}{mean}"] = "mean"
        for nm in ["E", *(f"g_{p}" for p in params)]:
            ws[f"{cols[nm]}{mean}"] = f"=AVERAGE({cols[nm]}{top}:{cols[nm]}{top + 3})"
    wb.save(path)
    text = (
        f'layers = [2, 2, 1]\nactivation = "sigmoid"\noutput_activation = "sigmoid"\nloss = "half_squared_error"\n'
        f"lr = {lr}\niters = {iters}\ntrain_biases = true\n\n[init]\nW1 = {json.dumps(w1)}\nB1 = {json.dumps(b1)}\n"
        f"W2 = {json.dumps(w2)}\nB2 = {json.dumps(b2)}\n"
    )
    for x, y in zip(XOR_X, XOR_Y, strict=True):
        text += f"\n[[samples]]\nx = {json.dumps(x)}\ny = [{y}]\n"
    return text
