"""Build the zoo: small workbooks that train a network by hand, of many families, for `sheetnet check`.

Standalone on purpose: it imports nothing from sheetnet, so the zoo is an independent witness.
Each workbook is written with openpyxl (formulas, no results), recalculated by LibreOffice headless
with a forced full recalculation (so every file carries its cached values, as a real Excel or
LibreOffice file does), and then verified:

1. every formula cell has a cached number;
2. a correct workbook's numbers equal a plain-Python training of its network (`train` below, a
   backpropagation written here, not sheetnet's) to 1e-9 relative;
3. a seeded copy differs from its correct workbook in its formulas exactly at the seeded cells,
   its first seeded cell changes value, and no cell of an earlier iteration does;
4. the verdict with no network file is measured, not guessed: LibreOffice recalculates copies
   whose parameters of an iteration are moved by ±h, which gives the derivative of the sheet's
   own loss; the steps the sheet's updates take must be −η·c·∂L/∂p with one c for every
   parameter (c = 1: consistent; another shared c: a convention the judge may accept or not,
   `any`; no shared c: a slip).

Then it writes the recalculated workbooks, a network file per correct workbook, `verdicts.tsv`
and `loss-cells.tsv` into this folder. Run from the repository: `uv run python tests/zoo/build.py`
(about a minute: three batches of LibreOffice conversions). Tests never rebuild the zoo.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

HERE = Path(__file__).resolve().parent
TOLERANCE = 1e-9  # LibreOffice against the plain-Python training, relative
FLOOR = 1e-13  # below this, an absolute difference (a value near 0 has no relative precision)
STEP_H = 1e-5  # the ±h of the central differences: truncation ~h², rounding ~1e-15/h, both < 1e-9
SAME_FACTOR = 1e-6  # two ratios step/(−η·∂L/∂p) count as one shared factor within this, relative
FLAT = 1e-10  # |∂L/∂p| below this: the parameter does not move the loss (an input of 0 before it)

# ---------------------------------------------------------------------------------------------
# The network and its training, in plain Python


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
                sum(W[l + 1][k][j] * nxt[k] for k in range(len(nxt))) * f_slope(net.activation, s_all[l][j], a_all[l][j])
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
            [[share * sum(v.dS[l][j] * (v.x if l == 0 else v.a[l - 1])[i] for v in seen) for i in range(len(W[l][j]))]
             for j in range(len(W[l]))]
            for l in range(len(W))
        ]
        gB = [[share * sum(v.dS[l][j] for v in seen) for j in range(len(B[l]))] for l in range(len(B))]
        W_next = [[[w - net.lr * g for w, g in zip(r, gr, strict=True)] for r, gr in zip(wl, gl, strict=True)]
                  for wl, gl in zip(W, gW, strict=True)]
        B_next = [[b - net.lr * g for b, g in zip(bl, gl, strict=True)] for bl, gl in zip(B, gB, strict=True)]
        steps.append(Step(W, B, seen, share * sum(v.loss for v in seen), gW, gB, W_next, B_next))
        W, B = W_next, B_next
    return steps


# ---------------------------------------------------------------------------------------------
# A workbook as cells, each with its iteration and (in a correct workbook) its expected value


@dataclass
class Cell:
    it: int  # the iteration the cell belongs to; -1 for the setup (typed inputs, labels)
    content: object  # a number, a text, a formula "=…", an ArrayFormula, or None (inside an array)
    expect: float | None = None


@dataclass
class Book:
    """A workbook being built: its cells by "Sheet!A1", the roles the checks need, its verdicts."""

    file: str
    net: Net
    network_file: str
    summary: str  # one line for verdicts.tsv and the README
    cells: dict[str, Cell] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # defined names: name → "Sheet!$B$2"
    params: dict[int, dict[str, str]] = field(default_factory=dict)  # iteration → parameter → cell it uses
    updates: dict[int, dict[str, str]] = field(default_factory=dict)  # iteration → parameter → its updated cell
    losses: dict[int, str] = field(default_factory=dict)  # iteration → its loss cell
    seeded: list[str] = field(default_factory=list)  # the cells a slip changed
    first_slip: list[str] = field(default_factory=list)  # with the network file: any of these
    no_network_exit: str = "0"
    no_network_slip: list[str] = field(default_factory=list)
    why: str = ""
    copy_of: str = ""

    def put(self, sheet: str, addr: str, content: object, it: int = -1, expect: float | None = None) -> str:
        if sheet not in self.sheets:
            self.sheets.append(sheet)
        key = f"{sheet}!{addr}"
        self.cells[key] = Cell(it, content, expect)
        return key

    def array(self, sheet: str, area: str, formula: str, it: int, expects: list[float]) -> list[str]:
        """An array formula over a column `area` (one cell per expected value)."""
        first, last = area.split(":")
        col, row = coordinate_from_string(first)
        keys = [self.put(sheet, first, ArrayFormula(area, formula), it, expects[0])]
        for n, value in enumerate(expects[1:], start=1):
            keys.append(self.put(sheet, f"{col}{row + n}", None, it, value))
        assert keys[-1].endswith(last)
        return keys

    def seed(self, key: str, content: object) -> None:
        """A slip: `key` gets `content` instead of the correct formula."""
        self.cells[key].content = content
        self.seeded.append(key)

    def save(self, path: Path, overrides: dict[str, float] | None = None) -> None:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name in self.sheets:
            wb.create_sheet(name)
        for key, cell in self.cells.items():
            if cell.content is None:
                continue
            sheet, addr = split_key(key)
            value = (overrides or {}).get(key, cell.content)
            wb[sheet][addr] = value
        for name, target in self.names.items():
            wb.defined_names[name] = DefinedName(name, attr_text=target)
        for ws in wb.worksheets:
            ws.column_dimensions["A"].width = 16
        wb.save(path)


def split_key(key: str) -> tuple[str, str]:
    sheet, _, addr = key.rpartition("!")
    return sheet, addr


def reading_order(book: Book, key: str) -> tuple[int, int, int, int]:
    sheet, addr = split_key(key)
    col, row = coordinate_from_string(addr)
    return (book.cells[key].it, book.sheets.index(sheet), row, column_index_from_string(col))


def display(key: str) -> str:
    """A cell as sheetnet names it: `Sheet1!X5`, `'Epoch 1'!C28` (the sheet quoted when it needs to be)."""
    sheet, addr = split_key(key)
    plain = sheet.replace("_", "").replace(".", "").isalnum()
    return f"{sheet if plain else repr(sheet)}!{addr}"


C = get_column_letter  # column number (1 = A) → letters


# ---------------------------------------------------------------------------------------------
# The families


def rows_tanh(slip: bool = False) -> Book:
    """Family 1: a row per iteration, a column per quantity; 2-3-1 tanh, linear output, biases, MSE, η named lr."""
    net = Net([2, 3, 1], "tanh", "linear", "mse", 0.1, 5,
              W=[[[0.4, -0.3], [0.2, 0.5], [-0.6, 0.1]], [[0.7, -0.5, 0.3]]], B=[[0.1, -0.2, 0.05], [0.2]],
              samples=[([1.0, 0.5], [0.8])])
    steps = train(net)
    name = "rows-tanh-231-forward-slip.xlsx" if slip else "rows-tanh-231.xlsx"
    book = Book(name, net, "rows-tanh-231.toml", "a row per iteration (rows 5-9), a column per quantity; "
                "2-3-1 tanh, linear output, biases, MSE; η the defined name lr (B2)")
    S = "Training"
    book.put(S, "A1", "2-3-1 tanh network, one row per iteration")
    book.put(S, "A2", "η (lr)")
    book.put(S, "B2", net.lr)
    book.names["lr"] = f"{S}!$B$2"
    heads = ["iter", "x1", "x2", "t", "w11", "w12", "w21", "w22", "w31", "w32", "b1", "b2", "b3", "v1", "v2", "v3",
             "c", "s1", "s2", "s3", "a1", "a2", "a3", "ŷ", "L", "δ = dL/dŷ"]
    heads += ["dL/d" + h for h in heads[4:17]]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}4", h)
    names = net.names()  # W1[0,0] W1[0,1] W1[1,0] … B1[0..2] W2[0,0..2] B2[0]: columns E..Q in this order
    pcol = {p: C(5 + n) for n, p in enumerate(names)}
    gcol = {p: C(27 + n) for n, p in enumerate(names)}
    for t, st in enumerate(steps):
        r, v = 5 + t, st.seen[0]
        book.put(S, f"A{r}", t)
        book.put(S, f"B{r}", v.x[0], t)
        book.put(S, f"C{r}", v.x[1], t)
        book.put(S, f"D{r}", v.y[0], t)
        book.params[t] = {}
        for p in names:
            content = st.param(p) if t == 0 else f"={pcol[p]}{r - 1}-lr*{gcol[p]}{r - 1}"
            book.params[t][p] = book.put(S, f"{pcol[p]}{r}", content, t if t == 0 else t - 1, st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for j in range(3):
            w0, w1, b = pcol[f"W1[{j},0]"], pcol[f"W1[{j},1]"], pcol[f"B1[{j}]"]
            book.put(S, f"{C(18 + j)}{r}", f"={w0}{r}*B{r}+{w1}{r}*C{r}+{b}{r}", t, v.s[0][j])
            book.put(S, f"{C(21 + j)}{r}", f"=TANH({C(18 + j)}{r})", t, v.a[0][j])
        yhat = f"=N{r}*U{r}+O{r}*V{r}+P{r}*W{r}+Q{r}"
        key = book.put(S, f"X{r}", yhat, t, v.a[1][0])
        if slip:
            book.seed(key, f"=N{r}*R{r}+O{r}*S{r}+P{r}*T{r}+Q{r}")
        book.losses[t] = book.put(S, f"Y{r}", f"=(X{r}-D{r})^2", t, v.loss)
        book.put(S, f"Z{r}", f"=2*(X{r}-D{r})", t, v.dS[1][0])
        for j in range(3):
            v_j, a_j = pcol[f"W2[0,{j}]"], C(21 + j)
            for i, x in enumerate("BC"):
                book.put(S, f"{gcol[f'W1[{j},{i}]']}{r}", f"=$Z{r}*{v_j}{r}*(1-{a_j}{r}^2)*{x}{r}", t,
                         st.param(f"W1[{j},{i}]", grad=True))
            book.put(S, f"{gcol[f'B1[{j}]']}{r}", f"=$Z{r}*{v_j}{r}*(1-{a_j}{r}^2)", t, st.param(f"B1[{j}]", grad=True))
            book.put(S, f"{gcol[f'W2[0,{j}]']}{r}", f"=$Z{r}*{a_j}{r}", t, st.param(f"W2[0,{j}]", grad=True))
        book.put(S, f"{gcol['B2[0]']}{r}", f"=Z{r}", t, st.param("B2[0]", grad=True))
    if slip:
        book.copy_of = "rows-tanh-231.xlsx"
        book.first_slip = [f"{S}!X5"]
        book.no_network_exit, book.no_network_slip = "1", ["any"]
        book.why = ("forward slip: ŷ sums the pre-activations s1..s3 (R:T) where their tanh a1..a3 (U:W) belong, "
                    "in every row, so from iteration 0; with no network the backward cells (δ·a, δ·v·(1−a²)) are not "
                    "the derivative of this forward pass, but which cell is wrong only the assignment tells")
    return book


def columns_relu(slip: bool = False) -> Book:
    """Family 2: a column per iteration, quantities down the rows; 2-2-1 ReLU, linear output, ½ squared error."""
    net = Net([2, 2, 1], "relu", "linear", "half_squared_error", 0.05, 6,
              W=[[[0.5, 0.3], [0.2, 0.6]], [[0.8, 0.4]]], B=[[0.1, 0.1], [0.0]], samples=[([1.0, 2.0], [2.5])])
    steps = train(net)
    name = "columns-relu-221-sign-slip.xlsx" if slip else "columns-relu-221.xlsx"
    book = Book(name, net, "columns-relu-221.toml", "a column per iteration (C-H), quantities down rows 9-35; "
                "2-2-1 ReLU, linear output, biases, ½ squared error; η in B3")
    S = "Sheet1"
    for addr, value in {"A1": "ReLU network, one column per iteration", "A3": "eta", "B3": net.lr, "A4": "x1",
                        "B4": 1.0, "A5": "x2", "B5": 2.0, "A6": "target", "B6": 2.5, "A8": "iteration"}.items():
        book.put(S, addr, value)
    order = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
    labels = ["w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c"]
    prow = {p: 9 + n for n, p in enumerate(order)}
    grow = {"W2[0,0]": 27, "W2[0,1]": 28, "B2[0]": 29, "W1[0,0]": 30, "W1[0,1]": 31, "W1[1,0]": 32, "W1[1,1]": 33,
            "B1[0]": 34, "B1[1]": 35}
    rest = ["s1", "s2", "a1", "a2", "ŷ", "E", "δ = ŷ − t", "f'(s1)", "f'(s2)", "dE/dv1", "dE/dv2", "dE/dc",
            "dE/dw11", "dE/dw12", "dE/dw21", "dE/dw22", "dE/db1", "dE/db2"]
    for n, label in enumerate(labels + rest):
        book.put(S, f"A{9 + n}", label)
    for t, st in enumerate(steps):
        c, v = C(3 + t), st.seen[0]
        p = C(2 + t)  # the column before
        book.put(S, f"{c}8", t)
        book.params[t] = {}
        for q in order:
            if t == 0:
                content: object = st.param(q)
            elif slip and q == "W1[1,0]":
                content = f"={p}{prow[q]}+$B$3*{p}{grow[q]}"
            else:
                content = f"={p}{prow[q]}-$B$3*{p}{grow[q]}"
            key = book.put(S, f"{c}{prow[q]}", content, max(t - 1, 0), st.param(q))
            book.params[t][q] = key
            if t > 0:
                book.updates.setdefault(t - 1, {})[q] = key
                if slip and q == "W1[1,0]":
                    book.seeded.append(key)
        book.put(S, f"{c}18", f"={c}9*$B$4+{c}10*$B$5+{c}13", t, v.s[0][0])
        book.put(S, f"{c}19", f"={c}11*$B$4+{c}12*$B$5+{c}14", t, v.s[0][1])
        book.put(S, f"{c}20", f"=MAX(0,{c}18)", t, v.a[0][0])
        book.put(S, f"{c}21", f"=MAX(0,{c}19)", t, v.a[0][1])
        book.put(S, f"{c}22", f"={c}15*{c}20+{c}16*{c}21+{c}17", t, v.a[1][0])
        book.losses[t] = book.put(S, f"{c}23", f"=0.5*({c}22-$B$6)^2", t, v.loss)
        book.put(S, f"{c}24", f"={c}22-$B$6", t, v.dS[1][0])
        book.put(S, f"{c}25", f"=IF({c}18>0,1,0)", t, 1.0)
        book.put(S, f"{c}26", f"=IF({c}19>0,1,0)", t, 1.0)
        grads = {"W2[0,0]": f"={c}24*{c}20", "W2[0,1]": f"={c}24*{c}21", "B2[0]": f"={c}24",
                 "W1[0,0]": f"={c}24*{c}15*{c}25*$B$4", "W1[0,1]": f"={c}24*{c}15*{c}25*$B$5",
                 "W1[1,0]": f"={c}24*{c}16*{c}26*$B$4", "W1[1,1]": f"={c}24*{c}16*{c}26*$B$5",
                 "B1[0]": f"={c}24*{c}15*{c}25", "B1[1]": f"={c}24*{c}16*{c}26"}
        for q, formula in grads.items():
            book.put(S, f"{c}{grow[q]}", formula, t, st.param(q, grad=True))
    if slip:
        book.copy_of = "columns-relu-221.xlsx"
        book.first_slip = [f"{S}!D11"]
        book.no_network_exit, book.no_network_slip = "1", [f"{S}!D11"]
        book.why = ("update with the wrong sign: w21 ← w21 + η·dE/dw21 (row 11, every column from D), so iteration 0's "
                    "update D11 is the first wrong cell; the other eight parameters step against their gradients")
    return book


def transposed_batch(slip: bool = False) -> Book:
    """Family 3: neurons down, samples across, a block per iteration; 2-2-1 sigmoid, 3 samples, mean ½ squared error."""
    samples = [([0.2, 0.9], [0.1]), ([0.8, 0.4], [0.7]), ([0.5, 0.5], [0.4])]
    net = Net([2, 2, 1], "sigmoid", "sigmoid", "half_squared_error", 0.5, 3,
              W=[[[0.3, -0.2], [0.4, 0.1]], [[0.5, -0.4]]], B=[[0.0, 0.1], [0.1]], samples=samples, reduction="mean")
    steps = train(net)
    name = "transposed-batch-product-slip.xlsx" if slip else "transposed-batch.xlsx"
    book = Book(name, net, "transposed-batch.toml", "transposed: neurons down, samples across (C-E), a block of "
                "15 rows per iteration (rows 8, 24, 40) with its parameter table in H:J; 2-2-1 sigmoid, batch of 3, "
                "mean ½ squared error; η in B2")
    S = "Batch"
    book.put(S, "A1", "2-2-1 sigmoid, batch of 3 samples (mean loss): neurons down, samples across")
    book.put(S, "A2", "η")
    book.put(S, "B2", net.lr)
    for n in range(3):
        book.put(S, f"{C(3 + n)}3", f"sample {n + 1}")
        book.put(S, f"{C(3 + n)}4", samples[n][0][0])
        book.put(S, f"{C(3 + n)}5", samples[n][0][1])
        book.put(S, f"{C(3 + n)}6", samples[n][1][0])
    for row, label in ((4, "x1"), (5, "x2"), (6, "t")):
        book.put(S, f"A{row}", label)
    table = {"W1[0,0]": "H1", "W1[0,1]": "I1", "B1[0]": "J1", "W1[1,0]": "H2", "W1[1,1]": "I2", "B1[1]": "J2",
             "W2[0,0]": "H3", "W2[0,1]": "I3", "B2[0]": "J3"}  # column and row offset in the block
    gtable = {p: addr[0] + str({"1": 12, "2": 13, "3": 14}[addr[1]]) for p, addr in table.items()}
    labels = ["x1", "x2", "t", "net h1", "net h2", "out h1", "out h2", "net o", "out o", "E", "δ o", "δ h1", "δ h2"]
    for t, st in enumerate(steps):
        r = 8 + 16 * t
        book.put(S, f"A{r}", f"Iteration {t}")
        for n in range(3):
            book.put(S, f"{C(3 + n)}{r}", f"sample {n + 1}")
        book.put(S, f"F{r}", "mean")
        for col, head in zip("GHIJ", ("", "w · in1", "w · in2", "b"), strict=True):
            if head:
                book.put(S, f"{col}{r}", head)
        for k, label in enumerate(("h1", "h2", "o")):
            book.put(S, f"G{r + 1 + k}", label)
        for k, label in enumerate(("∂E/∂ h1", "∂E/∂ h2", "∂E/∂ o")):
            book.put(S, f"G{r + 12 + k}", label)
        for n, label in enumerate(labels):
            book.put(S, f"A{r + 1 + n}", label)
        book.params[t] = {}
        for p, addr in table.items():
            at = f"{addr[0]}{r + int(addr[1])}"
            if t == 0:
                content: object = st.param(p)
            else:
                content = f"={addr[0]}{r - 16 + int(addr[1])}-$B$2*{gtable[p][0]}{r - 16 + int(gtable[p][1:])}"
            book.params[t][p] = book.put(S, at, content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            c = C(3 + n)
            for k in range(3):
                book.put(S, f"{c}{r + 1 + k}", f"={c}${4 + k}", t, (v.x + v.y)[k])
            book.put(S, f"{c}{r + 4}", f"=$H{r + 1}*{c}{r + 1}+$I{r + 1}*{c}{r + 2}+$J{r + 1}", t, v.s[0][0])
            book.put(S, f"{c}{r + 5}", f"=$H{r + 2}*{c}{r + 1}+$I{r + 2}*{c}{r + 2}+$J{r + 2}", t, v.s[0][1])
            book.put(S, f"{c}{r + 6}", f"=1/(1+EXP(-{c}{r + 4}))", t, v.a[0][0])
            book.put(S, f"{c}{r + 7}", f"=1/(1+EXP(-{c}{r + 5}))", t, v.a[0][1])
            book.put(S, f"{c}{r + 8}", f"=$H{r + 3}*{c}{r + 6}+$I{r + 3}*{c}{r + 7}+$J{r + 3}", t, v.s[1][0])
            book.put(S, f"{c}{r + 9}", f"=1/(1+EXP(-{c}{r + 8}))", t, v.a[1][0])
            book.put(S, f"{c}{r + 10}", f"=0.5*({c}{r + 9}-{c}{r + 3})^2", t, v.loss)
            y, tt = f"{c}{r + 9}", f"{c}{r + 3}"
            key = book.put(S, f"{c}{r + 11}", f"=({y}-{tt})*{y}*(1-{y})", t, v.dS[1][0])
            if slip:
                book.seed(key, f"={y}*{tt}*{y}*(1-{y})")
            book.put(S, f"{c}{r + 12}", f"={c}{r + 11}*$H{r + 3}*{c}{r + 6}*(1-{c}{r + 6})", t, v.dS[0][0])
            book.put(S, f"{c}{r + 13}", f"={c}{r + 11}*$I{r + 3}*{c}{r + 7}*(1-{c}{r + 7})", t, v.dS[0][1])
        book.losses[t] = book.put(S, f"F{r + 10}", f"=AVERAGE(C{r + 10}:E{r + 10})", t, st.loss)
        for k, delta, inputs in ((0, r + 12, (r + 1, r + 2)), (1, r + 13, (r + 1, r + 2)), (2, r + 11, (r + 6, r + 7))):
            row = r + 12 + k
            for col, src in zip("HI", inputs, strict=True):
                p = next(q for q, a in gtable.items() if a == f"{col}{12 + k}")
                book.put(S, f"{col}{row}", f"=SUMPRODUCT(C{delta}:E{delta},C{src}:E{src})/3", t, st.param(p, grad=True))
            p = next(q for q, a in gtable.items() if a == f"J{12 + k}")
            book.put(S, f"J{row}", f"=AVERAGE(C{delta}:E{delta})", t, st.param(p, grad=True))
    if slip:
        book.copy_of = "transposed-batch.xlsx"
        book.first_slip = [f"{S}!C19"]
        book.no_network_exit = "1"
        book.no_network_slip = [f"{S}!C19", f"{S}!D19", f"{S}!E19", f"{S}!H20", f"{S}!I20", f"{S}!J20"]
        book.why = ("δ o reads out·t where out − t belongs: (C17*C11)*C17*(1−C17), in every sample and block; C19 is "
                    "sample 1's in iteration 0. The factor out·t/(out − t) differs from sample to sample, so the mean "
                    "gradients are not proportional to the true ones: the sheet contradicts its own forward pass. With "
                    "no network a judge may name a δ o cell of iteration 0 or the first gradient that reads them (H20)")
    return book


def sheet_per_epoch(slip: bool = False) -> Book:
    """Family 4: a sheet per epoch, down one column; the next sheet's weights are ='Epoch 1'!E26 references."""
    net = Net([2, 2, 1], "sigmoid", "sigmoid", "half_squared_error", 0.9, 4,
              W=[[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]], B=[[0.1, -0.1], [0.05]], samples=[([0.35, 0.9], [0.5])])
    steps = train(net)
    name = "sheet-per-epoch-sigma-slip.xlsx" if slip else "sheet-per-epoch.xlsx"
    book = Book(name, net, "sheet-per-epoch.toml", "a sheet per epoch (Epoch 1 … Epoch 4), down column C; each "
                "sheet's weights are references to the previous sheet's updates; 2-2-1 sigmoid, ½ squared error; η on "
                "Epoch 1 (C1), the later sheets' η are references to it")
    order = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
    labels = ["w1", "w2", "w3", "w4", "b1", "b2", "w5", "w6", "b3"]
    for t, st in enumerate(steps):
        S, v = f"Epoch {t + 1}", st.seen[0]
        prev = f"'Epoch {t}'"
        book.put(S, "B1", "learning rate")
        book.put(S, "C1", net.lr if t == 0 else "='Epoch 1'!C1", -1 if t == 0 else t, net.lr)
        for row, label, value in ((3, "x1", v.x[0]), (4, "x2", v.x[1]), (5, "target", v.y[0])):
            book.put(S, f"B{row}", label)
            book.put(S, f"C{row}", value, t)
        book.params[t] = {}
        for n, (p, label) in enumerate(zip(order, labels, strict=True)):
            book.put(S, f"B{7 + n}", label)
            content = st.param(p) if t == 0 else f"={prev}!E{26 + n}"
            book.params[t][p] = book.put(S, f"C{7 + n}", content, t, st.param(p))
        rows = [("net h1", "=C7*C3+C8*C4+C11", v.s[0][0]), ("net h2", "=C9*C3+C10*C4+C12", v.s[0][1]),
                ("out h1", "=1/(1+EXP(-C17))", v.a[0][0]), ("out h2", "=1/(1+EXP(-C18))", v.a[0][1]),
                ("net o", "=C13*C19+C14*C20+C15", v.s[1][0]), ("out o", "=1/(1+EXP(-C21))", v.a[1][0]),
                ("E", "=0.5*(C5-C22)^2", v.loss), ("δ o", "=(C22-C5)*C22*(1-C22)", v.dS[1][0])]
        for n, (label, formula, value) in enumerate(rows):
            book.put(S, f"B{17 + n}", label)
            key = book.put(S, f"C{17 + n}", formula, t, value)
            if label == "E":
                book.losses[t] = key
        grads = ["=C24*C13*C19*(1-C19)*C3", "=C24*C13*C19*(1-C19)*C4", "=C24*C14*C20*(1-C20)*C3",
                 "=C24*C14*C20*(1-C20)*C4", "=C24*C13*C19*(1-C19)", "=C24*C14*C20*(1-C20)", "=C24*C19", "=C24*C20",
                 "=C24"]
        book.put(S, "B25", "gradients")
        book.put(S, "E25", "updated")
        book.updates[t] = {}
        for n, (p, label, formula) in enumerate(zip(order, labels, grads, strict=True)):
            book.put(S, f"B{26 + n}", f"dE/d{label}")
            key = book.put(S, f"C{26 + n}", formula, t, st.param(p, grad=True))
            if slip and label == "w3":
                book.seed(key, "=C24*C14*C19*(1-C19)*C3")
            book.put(S, f"D{26 + n}", f"{label} new")
            book.updates[t][p] = book.put(S, f"E{26 + n}", f"=C{7 + n}-$C$1*C{26 + n}", t, st.param(p, after=True))
    if slip:
        book.copy_of = "sheet-per-epoch.xlsx"
        book.first_slip = book.no_network_slip = ["'Epoch 1'!C28"]
        book.no_network_exit = "1"
        book.why = ("dE/dw3 uses σ' of h1, out h1·(1 − out h1) (C19), where out h2's (C20) belongs, on every sheet; "
                    "the other eight gradients are right")
    return book


def online_and() -> Book:
    """Family 5: online learning, a row per sample and an update after each; AND, 2-2-1 sigmoid, 3 passes."""
    samples = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [0.0]), ([1.0, 0.0], [0.0]), ([1.0, 1.0], [1.0])]
    net = Net([2, 2, 1], "sigmoid", "sigmoid", "half_squared_error", 0.5, 12,
              W=[[[0.5, -0.4], [0.3, 0.6]], [[0.7, -0.5]]], B=[[-0.2, 0.1], [0.2]], samples=samples, batch_size=1)
    steps = train(net)
    book = Book("online-and.xlsx", net, "online-and.toml", "online learning: a row per sample (rows 5-16), an update "
                "after each, 4 samples of AND × 3 passes; 2-2-1 sigmoid, ½ squared error; η in B2; the gradient is "
                "not a cell: updates read w − η·δ·input")
    S = "Online"
    book.put(S, "A1", "AND, online: the weights change after every sample")
    book.put(S, "A2", "learning rate")
    book.put(S, "B2", net.lr)
    heads = ["pass", "x1", "x2", "t", "w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c", "s1", "s2", "a1",
             "a2", "so", "y", "E", "δo", "δh1", "δh2"]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}4", h)
    order = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
    pcol = {p: C(5 + n) for n, p in enumerate(order)}
    # parameter ← parameter − η·δ·input: (its δ column, its input column or None for a bias)
    rule = {"W1[0,0]": ("V", "B"), "W1[0,1]": ("V", "C"), "W1[1,0]": ("W", "B"), "W1[1,1]": ("W", "C"),
            "B1[0]": ("V", None), "B1[1]": ("W", None), "W2[0,0]": ("U", "P"), "W2[0,1]": ("U", "Q"),
            "B2[0]": ("U", None)}
    for t, st in enumerate(steps):
        r, v = 5 + t, st.seen[0]
        book.put(S, f"A{r}", t // 4 + 1)
        for col, value in zip("BCD", v.x + v.y, strict=True):
            book.put(S, f"{col}{r}", value, t)
        book.params[t] = {}
        for p in order:
            if t == 0:
                content: object = st.param(p)
            else:
                delta, inp = rule[p]
                content = f"={pcol[p]}{r - 1}-$B$2*{delta}{r - 1}" + (f"*{inp}{r - 1}" if inp else "")
            book.params[t][p] = book.put(S, f"{pcol[p]}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        cells = [("N", f"=E{r}*B{r}+F{r}*C{r}+I{r}", v.s[0][0]), ("O", f"=G{r}*B{r}+H{r}*C{r}+J{r}", v.s[0][1]),
                 ("P", f"=1/(1+EXP(-N{r}))", v.a[0][0]), ("Q", f"=1/(1+EXP(-O{r}))", v.a[0][1]),
                 ("R", f"=K{r}*P{r}+L{r}*Q{r}+M{r}", v.s[1][0]), ("S", f"=1/(1+EXP(-R{r}))", v.a[1][0]),
                 ("T", f"=0.5*(S{r}-D{r})^2", v.loss), ("U", f"=(S{r}-D{r})*S{r}*(1-S{r})", v.dS[1][0]),
                 ("V", f"=U{r}*K{r}*P{r}*(1-P{r})", v.dS[0][0]), ("W", f"=U{r}*L{r}*Q{r}*(1-Q{r})", v.dS[0][1])]
        for col, formula, value in cells:
            key = book.put(S, f"{col}{r}", formula, t, value)
            if col == "T":
                book.losses[t] = key
    return book


def blocks(slip: bool = False) -> Book:
    """Family 6: a block of 16 rows per iteration, stacked; 1-2-1 sigmoid, linear output; η typed in the updates."""
    net = Net([1, 2, 1], "sigmoid", "linear", "half_squared_error", 0.1, 5,
              W=[[[0.8], [-0.5]], [[0.9, -0.3]]], B=[[0.1, 0.2], [0.1]], samples=[([1.5], [0.6])])
    steps = train(net)
    name = "blocks-121-typed-slip.xlsx" if slip else "blocks-121.xlsx"
    book = Book(name, net, "blocks-121.toml", "a block of 16 rows per iteration (rows 3, 20, 37, 54, 71), stacked; "
                "each block's parameters are copies of the previous block's updated values (E:F); 1-2-1 sigmoid, "
                "linear output, ½ squared error; η = 0.1 typed inside the updates (=B4-0.1*B15)")
    S = "Sheet1"
    book.put(S, "A1", "1-2-1 network, a block per iteration")
    # parameter → (row offset in the block, column)
    place = {"W1[0,0]": (1, "B"), "W1[1,0]": (1, "C"), "B1[0]": (2, "B"), "B1[1]": (2, "C"),
             "W2[0,0]": (3, "B"), "W2[0,1]": (3, "C"), "B2[0]": (4, "B")}
    new_col = {"B": "E", "C": "F"}
    for t, st in enumerate(steps):
        r, v = 3 + 17 * t, st.seen[0]
        book.put(S, f"A{r}", f"Iteration {t + 1}")
        for k, label in enumerate(("w1", "b1", "w2", "b2", "x", "y", "net", "out", "ŷ", "E", "δ = ŷ − y",
                                   "dE/dw1", "dE/db1", "dE/dw2", "dE/db2"), start=1):
            book.put(S, f"A{r + k}", label)
        for k, label in enumerate(("new w1", "new b1", "new w2", "new b2")):
            book.put(S, f"D{r + 12 + k}", label)
        book.params[t], book.updates[t] = {}, {}
        for p, (k, col) in place.items():
            content = st.param(p) if t == 0 else f"={new_col[col]}{r - 17 + 11 + k}"
            book.params[t][p] = book.put(S, f"{col}{r + k}", content, t, st.param(p))
        book.put(S, f"B{r + 5}", v.x[0], t)
        book.put(S, f"B{r + 6}", v.y[0], t)
        for j, col in enumerate("BC"):
            book.put(S, f"{col}{r + 7}", f"={col}{r + 1}*B{r + 5}+{col}{r + 2}", t, v.s[0][j])
            book.put(S, f"{col}{r + 8}", f"=1/(1+EXP(-{col}{r + 7}))", t, v.a[0][j])
        book.put(S, f"B{r + 9}", f"=B{r + 3}*B{r + 8}+C{r + 3}*C{r + 8}+B{r + 4}", t, v.a[1][0])
        book.losses[t] = book.put(S, f"B{r + 10}", f"=0.5*(B{r + 9}-B{r + 6})^2", t, v.loss)
        book.put(S, f"B{r + 11}", f"=B{r + 9}-B{r + 6}", t, v.dS[1][0])
        d = f"B{r + 11}"
        grads = {"W1[0,0]": f"={d}*B{r + 3}*B{r + 8}*(1-B{r + 8})*B{r + 5}",
                 "W1[1,0]": f"={d}*C{r + 3}*C{r + 8}*(1-C{r + 8})*B{r + 5}",
                 "B1[0]": f"={d}*B{r + 3}*B{r + 8}*(1-B{r + 8})", "B1[1]": f"={d}*C{r + 3}*C{r + 8}*(1-C{r + 8})",
                 "W2[0,0]": f"={d}*B{r + 8}", "W2[0,1]": f"={d}*C{r + 8}", "B2[0]": f"={d}"}
        for p, formula in grads.items():
            k, col = place[p]
            key = book.put(S, f"{col}{r + 11 + k}", formula, t, st.param(p, grad=True))
            if slip and t == 3 and p == "W1[1,0]":
                book.seed(key, steps[2].param(p, grad=True))  # last iteration's value, pasted over the formula
            book.updates[t][p] = book.put(S, f"{new_col[col]}{r + 11 + k}", f"={col}{r + k}-0.1*{col}{r + 11 + k}",
                                          t, st.param(p, after=True))
    if slip:
        book.copy_of = "blocks-121.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!C66"]
        book.no_network_exit = "1"
        book.why = ("in iteration 3 (block 'Iteration 4', rows 54-69) dE/dw1 of h2 (C66) is a number typed over its "
                    "formula: iteration 2's value (C49), pasted; iterations 0-2 are right")
    return book


def logreg_sumproduct(slip: bool = False) -> Book:
    """Family 8a: logistic regression, a row per iteration; SUMPRODUCT gradients; cross-entropy with LN."""
    samples = [([0.5, 1.5], [0.0]), ([1.0, 0.2], [1.0]), ([2.0, 1.0], [1.0]), ([0.3, 0.8], [0.0])]
    net = Net([2, 1], "linear", "sigmoid", "cross_entropy", 0.8, 6,
              W=[[[0.2, -0.4]]], B=[[0.1]], samples=samples, reduction="mean")
    steps = train(net)
    name = "logreg-sumproduct-log-slip.xlsx" if slip else "logreg-sumproduct.xlsx"
    book = Book(name, net, "logreg-sumproduct.toml", "logistic regression (2-1 sigmoid), a row per iteration "
                "(rows 9-14), samples across (E:H per quantity, data in E4:H6); cross-entropy with LN averaged over "
                "4 samples; gradients by SUMPRODUCT; η in B2")
    S = "LogReg"
    book.put(S, "A1", "logistic regression, binary cross-entropy")
    book.put(S, "A2", "learning rate")
    book.put(S, "B2", net.lr)
    for row, label in ((4, "x1"), (5, "x2"), (6, "y")):
        book.put(S, f"D{row}", label)
    for n, (x, y) in enumerate(samples):
        book.put(S, f"{C(5 + n)}3", f"sample {n + 1}")
        for row, value in zip((4, 5, 6), x + y, strict=True):
            book.put(S, f"{C(5 + n)}{row}", value)
    heads = ["iter", "w1", "w2", "b"] + [f"{q}{n}" for q in ("z", "a", "loss") for n in range(1, 5)]
    heads += ["L (mean)"] + [f"a{n} − y{n}" for n in range(1, 5)] + ["dL/dw1", "dL/dw2", "dL/db"]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}8", h)
    pcol = {"W1[0,0]": "B", "W1[0,1]": "C", "B1[0]": "D"}
    gcol = {"W1[0,0]": "V", "W1[0,1]": "W", "B1[0]": "X"}
    log = "LOG" if slip else "LN"
    for t, st in enumerate(steps):
        r = 9 + t
        book.put(S, f"A{r}", t)
        book.params[t] = {}
        for p, col in pcol.items():
            content = st.param(p) if t == 0 else f"={col}{r - 1}-$B$2*{gcol[p]}{r - 1}"
            book.params[t][p] = book.put(S, f"{col}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            x = C(5 + n)
            z, a, lo, e = C(5 + n), C(9 + n), C(13 + n), C(18 + n)
            book.put(S, f"{z}{r}", f"=$B{r}*{x}$4+$C{r}*{x}$5+$D{r}", t, v.s[0][0])
            book.put(S, f"{a}{r}", f"=1/(1+EXP(-{z}{r}))", t, v.a[0][0])
            key = book.put(S, f"{lo}{r}", f"=-({x}$6*{log}({a}{r})+(1-{x}$6)*{log}(1-{a}{r}))", t, v.loss)
            if slip:
                book.seeded.append(key)
            book.put(S, f"{e}{r}", f"={a}{r}-{x}$6", t, v.dS[0][0])
        book.losses[t] = book.put(S, f"Q{r}", f"=AVERAGE(M{r}:P{r})", t, st.loss)
        book.put(S, f"V{r}", f"=SUMPRODUCT(R{r}:U{r},$E$4:$H$4)/4", t, st.param("W1[0,0]", grad=True))
        book.put(S, f"W{r}", f"=SUMPRODUCT(R{r}:U{r},$E$5:$H$5)/4", t, st.param("W1[0,1]", grad=True))
        book.put(S, f"X{r}", f"=AVERAGE(R{r}:U{r})", t, st.param("B1[0]", grad=True))
    if slip:
        book.copy_of = "logreg-sumproduct.xlsx"
        book.first_slip = [f"{S}!M9"]
        book.no_network_exit, book.no_network_slip = "any", ["any"]
        book.why = ("the sample losses use LOG (base 10) where LN belongs, in every row (M:P); the gradients a − y are "
                    "those of LN, so against the sheet's own loss every gradient is ln 10 times too large: one factor "
                    "shared by every parameter, which a judge with no network may take as a convention of scale")
    return book


def logreg_mmult() -> Book:
    """Family 8b: logistic regression in blocks per epoch with MMULT array formulas (and TRANSPOSE)."""
    samples = [([1.0, 0.0, 1.0], [1.0]), ([0.0, 1.0, 1.0], [0.0]), ([1.0, 1.0, 0.0], [1.0]), ([0.0, 0.0, 1.0], [0.0])]
    net = Net([3, 1], "linear", "sigmoid", "cross_entropy", 1.0, 5,
              W=[[[0.3, -0.1, 0.2]]], B=[[0.0]], samples=samples, reduction="mean")
    steps = train(net)
    book = Book("logreg-mmult.xlsx", net, "logreg-mmult.toml", "logistic regression (3-1 sigmoid) in blocks per "
                "epoch (rows 14, 26, …, 62), X typed once (B4:D7); z = MMULT(X, W) + b and dW = MMULT(TRANSPOSE(X), "
                "dz)/4 as array formulas; cross-entropy with LN, mean over 4 samples; η in B1")
    S = "Sheet1"
    book.put(S, "A1", "Learning rate")
    book.put(S, "B1", net.lr)
    book.put(S, "A3", "X")
    book.put(S, "F3", "y")
    for n, (x, y) in enumerate(samples):
        for col, value in zip("BCD", x, strict=True):
            book.put(S, f"{col}{4 + n}", value)
        book.put(S, f"F{4 + n}", y[0])
    for t, st in enumerate(steps):
        r = 14 + 12 * t
        book.put(S, f"A{r}", f"Epoch {t + 1}")
        for col, head in zip("BCEFGHI", ("W", "b", "z", "A", "sample loss", "L", "dz"), strict=True):
            book.put(S, f"{col}{r + 1}", head)
        for col, head in zip("BCEF", ("dW", "db", "new W", "new b"), strict=True):
            book.put(S, f"{col}{r + 7}", head)
        book.params[t], book.updates[t] = {}, {}
        for i in range(3):
            p = f"W1[0,{i}]"
            content = st.param(p) if t == 0 else f"=E{r - 12 + 8 + i}"
            book.params[t][p] = book.put(S, f"B{r + 2 + i}", content, t, st.param(p))
        content = st.param("B1[0]") if t == 0 else f"=F{r - 12 + 8}"
        book.params[t]["B1[0]"] = book.put(S, f"C{r + 2}", content, t, st.param("B1[0]"))
        book.array(S, f"E{r + 2}:E{r + 5}", f"=MMULT($B$4:$D$7,B{r + 2}:B{r + 4})+C{r + 2}", t,
                   [v.s[0][0] for v in st.seen])
        for n, v in enumerate(st.seen):
            row = r + 2 + n
            book.put(S, f"F{row}", f"=1/(1+EXP(-E{row}))", t, v.a[0][0])
            book.put(S, f"G{row}", f"=-($F${4 + n}*LN(F{row})+(1-$F${4 + n})*LN(1-F{row}))", t, v.loss)
            book.put(S, f"I{row}", f"=F{row}-$F${4 + n}", t, v.dS[0][0])
        book.losses[t] = book.put(S, f"H{r + 2}", f"=AVERAGE(G{r + 2}:G{r + 5})", t, st.loss)
        book.array(S, f"B{r + 8}:B{r + 10}", f"=MMULT(TRANSPOSE($B$4:$D$7),I{r + 2}:I{r + 5})/4", t,
                   [st.param(f"W1[0,{i}]", grad=True) for i in range(3)])
        book.put(S, f"C{r + 8}", f"=AVERAGE(I{r + 2}:I{r + 5})", t, st.param("B1[0]", grad=True))
        for i in range(3):
            p = f"W1[0,{i}]"
            book.updates[t][p] = book.put(S, f"E{r + 8 + i}", f"=B{r + 2 + i}-$B$1*B{r + 8 + i}", t,
                                          st.param(p, after=True))
        book.updates[t]["B1[0]"] = book.put(S, f"F{r + 8}", f"=C{r + 2}-$B$1*C{r + 8}", t, st.param("B1[0]", after=True))
    return book


def linreg_steps() -> Book:
    """Family 9 and 7a: linear regression, a row per iteration, step cells dw = −η·g and updates w + dw; SUM loss."""
    samples = [([0.5], [1.2]), ([1.0], [1.9]), ([2.0], [4.1]), ([3.0], [6.2])]
    net = Net([1, 1], "linear", "linear", "mse", 0.02, 8, W=[[[0.5]]], B=[[0.0]], samples=samples, reduction="sum")
    steps = train(net)
    book = Book("linreg-steps.xlsx", net, "linreg-steps.toml", "linear regression ŷ = w·x + b, a row per iteration "
                "(rows 7-14), 4 samples across (D:G, data in D3:G4); L = Σ (ŷ − y)² by SUMPRODUCT; step cells "
                "dw = −$B$1·dL/dw and updates w + dw; η in B1")
    S = "Regression"
    book.put(S, "A1", "learning rate")
    book.put(S, "B1", net.lr)
    book.put(S, "C3", "x")
    book.put(S, "C4", "y")
    for n, (x, y) in enumerate(samples):
        book.put(S, f"{C(4 + n)}3", x[0])
        book.put(S, f"{C(4 + n)}4", y[0])
    heads = ["iter", "w", "b", "ŷ1", "ŷ2", "ŷ3", "ŷ4", "e1", "e2", "e3", "e4", "L = Σ e²", "dL/dw", "dL/db", "dw",
             "db"]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}6", h)
    for t, st in enumerate(steps):
        r = 7 + t
        book.put(S, f"A{r}", t)
        book.params[t] = {}
        for p, col, step in (("W1[0,0]", "B", "O"), ("B1[0]", "C", "P")):
            content = st.param(p) if t == 0 else f"={col}{r - 1}+{step}{r - 1}"
            book.params[t][p] = book.put(S, f"{col}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            c, e = C(4 + n), C(8 + n)
            book.put(S, f"{c}{r}", f"=$B{r}*{c}$3+$C{r}", t, v.a[0][0])
            book.put(S, f"{e}{r}", f"={c}{r}-{c}$4", t, v.a[0][0] - v.y[0])
        book.losses[t] = book.put(S, f"L{r}", f"=SUMPRODUCT(H{r}:K{r},H{r}:K{r})", t, st.loss)
        book.put(S, f"M{r}", f"=2*SUMPRODUCT(H{r}:K{r},$D$3:$G$3)", t, st.param("W1[0,0]", grad=True))
        book.put(S, f"N{r}", f"=2*SUM(H{r}:K{r})", t, st.param("B1[0]", grad=True))
        book.put(S, f"O{r}", f"=-$B$1*M{r}", t, -net.lr * st.param("W1[0,0]", grad=True))
        book.put(S, f"P{r}", f"=-$B$1*N{r}", t, -net.lr * st.param("B1[0]", grad=True))
    return book


def xor_delta_rule() -> Book:
    """Family 10: XOR, 2-2-1 sigmoid, the delta rule's signs: δ = (t − y)·y(1 − y), w ← w + η·Σ δ·a."""
    samples = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])]
    net = Net([2, 2, 1], "sigmoid", "sigmoid", "half_squared_error", 0.5, 4,
              W=[[[0.6, -0.4], [-0.5, 0.7]], [[0.8, 0.9]]], B=[[0.1, -0.1], [-0.3]], samples=samples, reduction="sum")
    steps = train(net)
    book = Book("xor-delta-rule.xlsx", net, "xor-delta-rule.toml", "XOR, a block of 4 rows (a row per sample) per "
                "iteration (rows 4, 9, 14, 19), parameters on each block's first row; 2-2-1 sigmoid, ½ squared error "
                "summed over the samples; the delta rule: δ = (t − y)·y(1 − y), w + η·SUMPRODUCT(δ, input); η in B1")
    S = "XOR"
    book.put(S, "A1", "eta")
    book.put(S, "B1", net.lr)
    heads = ["iteration", "x1", "x2", "t", "w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c", "s1", "s2", "a1",
             "a2", "so", "y", "E", "δ", "δh1", "δh2", "E total"]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}3", h)
    order = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
    pcol = {p: C(5 + n) for n, p in enumerate(order)}
    rule = {"W1[0,0]": ("V", "B"), "W1[0,1]": ("V", "C"), "W1[1,0]": ("W", "B"), "W1[1,1]": ("W", "C"),
            "B1[0]": ("V", None), "B1[1]": ("W", None), "W2[0,0]": ("U", "P"), "W2[0,1]": ("U", "Q"),
            "B2[0]": ("U", None)}
    for t, st in enumerate(steps):
        r = 4 + 5 * t
        book.put(S, f"A{r}", t)
        book.params[t] = {}
        for p in order:
            if t == 0:
                content: object = st.param(p)
            else:
                q, delta, inp, last = r - 5, *rule[p], r - 2
                total = f"SUMPRODUCT({delta}{q}:{delta}{last},{inp}{q}:{inp}{last})" if inp else f"SUM({delta}{q}:{delta}{last})"
                content = f"={pcol[p]}{q}+$B$1*{total}"
            book.params[t][p] = book.put(S, f"{pcol[p]}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            row = r + n
            for col, value in zip("BCD", v.x + v.y, strict=True):
                book.put(S, f"{col}{row}", value, t)
            cells = [("N", f"=E${r}*B{row}+F${r}*C{row}+I${r}", v.s[0][0]),
                     ("O", f"=G${r}*B{row}+H${r}*C{row}+J${r}", v.s[0][1]),
                     ("P", f"=1/(1+EXP(-N{row}))", v.a[0][0]), ("Q", f"=1/(1+EXP(-O{row}))", v.a[0][1]),
                     ("R", f"=K${r}*P{row}+L${r}*Q{row}+M${r}", v.s[1][0]), ("S", f"=1/(1+EXP(-R{row}))", v.a[1][0]),
                     ("T", f"=0.5*(D{row}-S{row})^2", v.loss), ("U", f"=(D{row}-S{row})*S{row}*(1-S{row})", -v.dS[1][0]),
                     ("V", f"=U{row}*K${r}*P{row}*(1-P{row})", -v.dS[0][0]),
                     ("W", f"=U{row}*L${r}*Q{row}*(1-Q{row})", -v.dS[0][1])]
            for col, formula, value in cells:
                book.put(S, f"{col}{row}", formula, t, value)
        book.losses[t] = book.put(S, f"X{r}", f"=SUM(T{r}:T{r + 3})", t, st.loss)
    return book


FAMILIES: list[Callable[[], Book]] = [
    rows_tanh, columns_relu, transposed_batch, sheet_per_epoch, online_and, blocks, logreg_sumproduct, logreg_mmult,
    linreg_steps, xor_delta_rule,
    lambda: rows_tanh(slip=True), lambda: columns_relu(slip=True), lambda: transposed_batch(slip=True),
    lambda: sheet_per_epoch(slip=True), lambda: blocks(slip=True), lambda: logreg_sumproduct(slip=True),
]


# ---------------------------------------------------------------------------------------------
# LibreOffice: a forced full recalculation, many files per start

ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""
BATCH = 80  # files per LibreOffice start: one start costs ~2 s, a small file ~0.1 s


def recalculate(sources: list[Path], outdir: Path, profile: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice (soffice) is needed: apt-get install -y libreoffice-calc-nogui")
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE)
    outdir.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(sources), BATCH):
        chunk = [str(p) for p in sources[start : start + BATCH]]
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--calc",
             "--convert-to", "xlsx", "--outdir", str(outdir), *chunk],
            check=True, capture_output=True, timeout=900,
        )
    missing = [p.name for p in sources if not (outdir / p.name).exists()]
    if missing:
        sys.exit(f"LibreOffice did not convert: {', '.join(missing)}")


def read(path: Path) -> tuple[dict[str, object], dict[str, str]]:
    """Every cell's cached value and its formula (or typed value) as text, by "Sheet!A1"."""
    values: dict[str, object] = {}
    formulas: dict[str, str] = {}
    for data_only, into in ((True, values), (False, formulas)):
        wb = openpyxl.load_workbook(path, data_only=data_only)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    value = cell.value
                    if isinstance(value, ArrayFormula):
                        value = f"{{{value.ref}}}{value.text}"
                    into[f"{ws.title}!{cell.coordinate}"] = value if data_only else str(value)
    return values, formulas


# ---------------------------------------------------------------------------------------------
# The checks


def is_formula(cell: Cell) -> bool:
    return cell.content is None or isinstance(cell.content, ArrayFormula) or (
        isinstance(cell.content, str) and cell.content.startswith("="))


def close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) or abs(a - b) <= FLOOR


def number(values: dict[str, object], key: str, file: str) -> float:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        sys.exit(f"{file}: {key} holds no cached number after recalculation: {value!r}")
    return float(value)


def check_cached(book: Book, values: dict[str, object]) -> None:
    for key, cell in book.cells.items():
        if is_formula(cell):
            number(values, key, book.file)


def check_expected(book: Book, values: dict[str, object]) -> int:
    """A correct workbook against the plain-Python training; the count of cells compared."""
    count = 0
    for key, cell in book.cells.items():
        if cell.expect is None:
            continue
        got = number(values, key, book.file)
        if not close(got, cell.expect, TOLERANCE):
            sys.exit(f"{book.file}: {key} is {got!r} after LibreOffice, the training gives {cell.expect!r}")
        count += 1
    return count


def check_seeded(book: Book, mine: tuple[dict, dict], correct: tuple[dict, dict]) -> None:
    """The copy differs in its formulas exactly at the seeded cells; the first seeded cell changes value
    and no cell of an earlier iteration does."""
    (values, formulas), (good_values, good_formulas) = mine, correct
    differ = {k for k in set(formulas) | set(good_formulas) if formulas.get(k) != good_formulas.get(k)}
    if differ != set(book.seeded):
        sys.exit(f"{book.file}: formulas differ from {book.copy_of} at {sorted(differ)}, seeded {sorted(book.seeded)}")
    first = min(book.seeded, key=lambda k: reading_order(book, k))
    if book.first_slip[0] != display(first):
        sys.exit(f"{book.file}: the first seeded cell is {first}, the verdict says {book.first_slip[0]}")
    changed = [k for k in book.cells if is_formula(book.cells[k]) or k in book.seeded
               if not close(number(values, k, book.file), number(good_values, k, book.copy_of), 1e-12)]
    if first not in changed:
        sys.exit(f"{book.file}: the seeded cell {first} has the correct workbook's value")
    earlier = [k for k in changed if book.cells[k].it < book.cells[first].it]
    if earlier:
        sys.exit(f"{book.file}: {earlier[:3]} change before the slip's iteration")


def slip_iteration(book: Book) -> int:
    return min(book.cells[k].it for k in book.seeded) if book.seeded else 0


def derivative_plan(book: Book, values: dict[str, object]) -> list[tuple[int, str, int, dict[str, float]]]:
    """(iteration, parameter, ±1, overrides): the copies whose loss gives ∂L/∂p by central differences,
    for iteration 0 and the iteration of the slip."""
    plan = []
    for it in sorted({0, slip_iteration(book), max(book.updates)}):
        if it not in book.updates:
            continue
        for p, key in book.params[it].items():
            base = number(values, key, book.file)
            for sign in (1, -1):
                plan.append((it, p, sign, {key: base + sign * STEP_H}))
    return plan


def judge_without_network(book: Book, values: dict[str, object], moved: dict[tuple[int, str, int], float]) -> str:
    """'0' if every step is −η·∂L/∂p of the sheet's own loss, 'any' if −η·c·∂L/∂p with one c ≠ 1 for all,
    '1' if no one c fits (a step that is not the derivative of the sheet's own forward pass)."""
    verdicts = []
    for it in sorted({it for it, _, _ in moved}):  # 0, the slip's, the last with an update
        ratios, stray = [], False
        for p, key in book.params[it].items():
            g = (moved[it, p, 1] - moved[it, p, -1]) / (2 * STEP_H)
            step = number(values, book.updates[it][p], book.file) - number(values, key, book.file)
            if abs(g) < FLAT:
                stray |= abs(step) > FLAT * book.net.lr
                continue
            ratios.append(-step / (book.net.lr * g))
        shared = all(close(r, ratios[0], SAME_FACTOR) for r in ratios)
        verdicts.append("1" if stray or not shared else "0" if close(ratios[0], 1.0, SAME_FACTOR) else "any")
        print(f"  {book.file} iteration {it}: step/(−η·∂L/∂p) = " + " ".join(f"{r:.6g}" for r in ratios))
    return "1" if "1" in verdicts else "any" if "any" in verdicts else "0"


# ---------------------------------------------------------------------------------------------
# What is written


def verdicts_tsv(books: list[Book]) -> str:
    lines = [
        "# The zoo's verdicts: what `sheetnet check` must give on each workbook (tests/zoo/README.md).",
        "# iterations: sheetnet's --iters for the network file; exit codes 0 (right), 1 (a slip); 'any': the judge",
        "# with no network file cannot tell (its answer is not tested); slip cells: any of those listed counts.",
        "# file\tnetwork file\titerations\texit with network\tfirst slip with network\t"
        "exit with no network\tfirst slip with no network\twhy",
    ]
    for b in books:
        lines.append("\t".join([
            b.file, b.network_file, str(b.net.iters), "1" if b.seeded else "0", ",".join(b.first_slip) or "-",
            b.no_network_exit, ",".join(b.no_network_slip) or "-", b.why or "correct: " + b.summary,
        ]))
    return "\n".join(lines) + "\n"


def loss_cells_tsv(books: list[Book]) -> str:
    lines = ["# Where each iteration's loss is: for tests that compare a workbook with a sheetnet run.",
             "# file\titeration\tcell"]
    for b in books:
        lines += [f"{b.file}\t{t}\t{display(key)}" for t, key in sorted(b.losses.items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    books = [make() for make in FAMILIES]
    by_file = {b.file: b for b in books}
    with tempfile.TemporaryDirectory(prefix="zoo-") as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        sources = []
        for b in books:
            sources.append(root / "src" / b.file)
            b.save(sources[-1])
        recalculate(sources, root / "out", root / "profile")
        read_back = {b.file: read(root / "out" / b.file) for b in books}
        for b in books:
            values, _ = read_back[b.file]
            check_cached(b, values)
            formulas = sum(is_formula(c) for c in b.cells.values())
            if not b.seeded:
                print(f"{b.file}: {formulas} formula cells; {check_expected(b, values)} cells equal the "
                      "plain-Python training")
            else:
                check_seeded(b, read_back[b.file], read_back[b.copy_of])
                print(f"{b.file}: differs from {b.copy_of} at {len(b.seeded)} seeded cells, first {b.first_slip[0]}")
        (root / "moved").mkdir()
        moved_sources, where = [], {}
        for b in books:
            for n, (it, p, sign, overrides) in enumerate(derivative_plan(b, read_back[b.file][0])):
                path = root / "moved" / f"{Path(b.file).stem}--{n}.xlsx"
                b.save(path, overrides)
                moved_sources.append(path)
                where[path.name] = (b.file, it, p, sign)
        recalculate(moved_sources, root / "moved-out", root / "profile")
        moved: dict[str, dict[tuple[int, str, int], float]] = {b.file: {} for b in books}
        for path in moved_sources:
            file, it, p, sign = where[path.name]
            wb = openpyxl.load_workbook(root / "moved-out" / path.name, data_only=True)
            sheet, addr = split_key(by_file[file].losses[it])
            moved[file][it, p, sign] = float(wb[sheet][addr].value)
        for b in books:
            verdict = judge_without_network(b, read_back[b.file][0], moved[b.file])
            if verdict != b.no_network_exit:
                sys.exit(f"{b.file}: with no network file the sheet's own derivative says {verdict}, "
                         f"the verdict says {b.no_network_exit}")
        for b in books:
            shutil.copyfile(root / "out" / b.file, HERE / b.file)
            if not b.seeded:
                (HERE / b.network_file).write_text(b.net.toml(f"tests/zoo/{b.file}: {b.summary}"))
    (HERE / "verdicts.tsv").write_text(verdicts_tsv(books))
    (HERE / "loss-cells.tsv").write_text(loss_cells_tsv(books))
    print(f"wrote {len(books)} workbooks, their network files, verdicts.tsv and loss-cells.tsv into {HERE}")


if __name__ == "__main__":
    main()
