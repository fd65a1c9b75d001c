"""`sheetnet check` on a family a tester built as tutorials write it: a 1-2-1 tanh network with a
linear output and the MSE over three samples, the samples on a Data sheet, a row per epoch with
each sample's forward pass and residual e = ŷ − y, then the MSE and the mean gradients written
directly (2/3·Σ …, no per-sample gradient), and a chart of the MSE.

What it once got wrong: the mean loss was not counted as the iteration's loss (a right sheet was
`incomplete`); a loss column headed `MSE` was never found when its formula was wrong; and with the
mean ∂L/∂W1 wrong from the first row, a residual within 5 % of sample 2's ∂L/∂B1 was taken for
it and named as the first slip.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter

from sheetnet.book import read_book
from sheetnet.check import check_book
from sheetnet.libreoffice import recalculate
from sheetnet.spec import parse_network

pytestmark = pytest.mark.libreoffice

X, Y = [0.1, 0.5, 0.9], [0.3, 0.7, 0.4]
START = {"w1": 0.4, "w2": -0.7, "b1": 0.1, "b2": 0.2, "v1": 0.6, "v2": 0.3, "c": -0.1}
GRADIENT = {"w1": "gw1", "w2": "gw2", "b1": "gb1", "b2": "gb2", "v1": "gv1", "v2": "gv2", "c": "gc"}
EPOCHS = 12
NETWORK = f"""
layers = [1, 2, 1]
activation = "tanh"
output_activation = "linear"
loss = "mse"
lr = 0.1
iters = {EPOCHS}
[init]
W1 = [[0.4], [-0.7]]
B1 = [0.1, 0.2]
W2 = [[0.6, 0.3]]
B2 = [-0.1]
""" + "".join(f"[[samples]]\nx = [{x}]\ny = [{y}]\n" for x, y in zip(X, Y, strict=True))

HEADERS = {"mse": "MSE", "gv1": "dL/dv1", "gv2": "dL/dv2", "gc": "dL/dc"}
HEADERS |= {f"g{p}": f"dL/d{p}" for p in ("w1", "w2", "b1", "b2")}
COLUMNS = [*START, *(f"{n}_{s}" for s in range(3) for n in ("z1", "a1", "z2", "a2", "yh", "e")), *HEADERS]


def _formulas(slip: str | None, epoch: int) -> dict[str, str]:
    """One epoch's formulas with {name} for this row's cells and {x0}, {y0} … for the Data sheet."""
    f: dict[str, str] = {}
    for s in range(3):
        x, y = f"{{x{s}}}", f"{{y{s}}}"
        f |= {
            f"z1_{s}": f"={{w1}}*{x}+{{b1}}",
            f"a1_{s}": f"=TANH({{z1_{s}}})",
            f"z2_{s}": f"={{w2}}*{x}+{{b2}}",
            f"a2_{s}": f"=TANH({{z2_{s}}})",
            f"yh_{s}": f"={{v1}}*{{a1_{s}}}+{{v2}}*{{a2_{s}}}+{{c}}",
            f"e_{s}": f"={{yh_{s}}}-{y}",
        }
    f["mse"] = "=({e_0}^2+{e_1}^2+{e_2}^2)/" + ("2" if slip == "mse" else "3")
    for h in ("1", "2"):
        f[f"gv{h}"] = "=2/3*(" + "+".join(f"{{e_{s}}}*{{a{h}_{s}}}" for s in range(3)) + ")"
        slope = "(1-{a1_S})" if slip == "tanh'" and h == "1" else f"(1-{{a{h}_S}}^2)"
        terms = [f"{{e_{s}}}*{{v{h}}}*{slope.replace('S', str(s))}" for s in range(3)]
        f[f"gw{h}"] = "=2/3*(" + "+".join(f"{t}*{{x{s}}}" for s, t in enumerate(terms)) + ")"
        f[f"gb{h}"] = "=2/3*(" + "+".join(terms) + ")"
    f["gc"] = "=2/3*({e_0}+{e_1}+{e_2})"
    if slip == "gv2" and epoch == 5:
        f["gv2"] = "=2/3*({e_0}*{a2_0}+{e_1}*{a1_1}+{e_2}*{a2_2})"  # a1 of sample 1 where a2 belongs
    return f


def _build(path: Path, slip: str | None) -> Path:
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    data.append(["x", "y"])
    for x, y in zip(X, Y, strict=True):
        data.append([x, y])
    ws = wb.create_sheet("Training")
    ws["A1"], ws["B1"] = "learning rate", 0.1
    col = {name: get_column_letter(2 + j) for j, name in enumerate(COLUMNS)}
    ws.cell(3, 1, "epoch")
    for name in COLUMNS:
        ws[f"{col[name]}3"] = HEADERS.get(name, name)
    for k in range(EPOCHS):
        r = 4 + k
        ws.cell(r, 1, k)
        at = {name: f"{col[name]}{r}" for name in COLUMNS}
        at |= {f"x{s}": f"Data!$A${2 + s}" for s in range(3)} | {f"y{s}": f"Data!$B${2 + s}" for s in range(3)}
        for p, start in START.items():
            ws[at[p]] = start if k == 0 else f"={col[p]}{r - 1}-$B$1*{col[GRADIENT[p]]}{r - 1}"
        for name, formula in _formulas(slip, k).items():
            ws[at[name]] = re.sub(r"\{(\w+)\}", lambda m, at=at: at[m.group(1)], formula)
    chart = LineChart()
    chart.title = "MSE"
    mse = 2 + COLUMNS.index("mse")
    chart.add_data(Reference(ws, min_col=mse, min_row=3, max_row=3 + EPOCHS), titles_from_data=True)
    ws.add_chart(chart, "B20")
    wb.save(path)
    return path


def _cell(name: str, epoch: int) -> str:
    return f"Training!{get_column_letter(2 + COLUMNS.index(name))}{4 + epoch}"


# the slip, and the cell check must name first
SLIPS = {None: None, "mse": _cell("mse", 0), "tanh'": _cell("gw1", 0), "gv2": _cell("gv2", 5)}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str | None, Path]:
    raw = tmp_path_factory.mktemp("families-raw")
    made = {slip: _build(raw / f"tanh-{slip or 'right'}.xlsx".replace("'", "-d"), slip) for slip in SLIPS}
    done = recalculate(list(made.values()), tmp_path_factory.mktemp("families"))
    return dict(zip(made, done, strict=True))


@pytest.mark.parametrize("slip", list(SLIPS))
def test_tanh_mse_on_a_data_sheet(slip: str | None, books: dict[str | None, Path]) -> None:
    result = check_book(read_book(books[slip]), parse_network(NETWORK, source="tanh"))
    first = result.first_mismatch
    if slip is None:
        assert result.exit_code == 0, [t.reason for t in result.tables]
        assert result.tables[0].verdict == "right" and result.tables[0].iterations == EPOCHS
    else:
        assert result.exit_code == 1
        assert first is not None and first.cell is not None and first.cell.address == SLIPS[slip]


# ------------------------------------------------------------------------------- the delta rule
#
# XOR as textbooks write backpropagation (Mitchell, Haykin): δo = (t − y)·y(1 − y), δh = h(1 − h)·v·δo,
# Δv = δo·h, Δw = δh·x, summed over the four patterns, and new w = w + η·ΣΔw: every gradient with
# its sign turned. A block of rows per epoch; the network sums (reduction = "sum").

XOR = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]
DELTA_START = {
    "w11": 0.15,
    "w12": -0.25,
    "w21": 0.3,
    "w22": 0.1,
    "b1": 0.1,
    "b2": -0.2,
    "v1": 0.5,
    "v2": -0.3,
    "c": 0.05,
}
DELTA_OF = {"w11": "dw11", "w12": "dw12", "w21": "dw21", "w22": "dw22", "b1": "db1", "b2": "db2"}
DELTA_OF |= {"v1": "dv1", "v2": "dv2", "c": "dc"}
PATTERN = ["x1", "x2", "t", "net_h1", "h1", "net_h2", "h2", "net_o", "y", "E", "δo", "δh1", "δh2"]
PATTERN += ["dv1", "dv2", "dc", "dw11", "dw12", "dw21", "dw22", "db1", "db2"]
DELTA_EPOCHS = 5
DELTA_NETWORK = f"""
layers = [2, 2, 1]
activation = "sigmoid"
output_activation = "sigmoid"
reduction = "sum"
lr = 0.5
iters = {DELTA_EPOCHS}
[init]
W1 = [[0.15, -0.25], [0.30, 0.10]]
B1 = [0.1, -0.2]
W2 = [[0.5, -0.3]]
B2 = [0.05]
""" + "".join(f"[[samples]]\nx = [{x1}, {x2}]\ny = [{t}]\n" for (x1, x2), t in XOR)


def _delta_rule(path: Path, slip: str | None) -> tuple[Path, dict[str, str]]:
    """Epoch k's block starts at row 4 + 11k: its title, names, weights, headers, four patterns,
    their Sum and the new weights, then a blank row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "XOR"
    ws["A1"], ws["A2"], ws["B2"] = "XOR, the delta rule, summed over the patterns", "learning rate", 0.5
    params = list(DELTA_START)
    pcol = {p: get_column_letter(2 + j) for j, p in enumerate(params)}
    col = {n: get_column_letter(2 + j) for j, n in enumerate(PATTERN)}
    cells: dict[str, str] = {}
    for k in range(DELTA_EPOCHS):
        top = 4 + 11 * k
        ws.cell(top, 1, f"Epoch {k + 1}")
        for p in params:
            ws[f"{pcol[p]}{top + 1}"] = p
            ws[f"{pcol[p]}{top + 2}"] = DELTA_START[p] if k == 0 else f"={pcol[p]}{top - 2}"
        ws.cell(top + 2, 1, "weights")
        for n in PATTERN:
            ws[f"{col[n]}{top + 3}"] = n
        w = {p: f"{pcol[p]}${top + 2}" for p in params}
        rows = range(top + 4, top + 8)
        for r, ((x1, x2), t) in zip(rows, XOR, strict=True):
            c = {n: f"{col[n]}{r}" for n in PATTERN}
            ws.cell(r, 1, f"pattern {r - top - 3}")
            f = {
                "x1": x1,
                "x2": x2,
                "t": t,
                "net_h1": f"={w['w11']}*{c['x1']}+{w['w12']}*{c['x2']}+{w['b1']}",
                "h1": f"=1/(1+EXP(-{c['net_h1']}))",
                "net_h2": f"={w['w21']}*{c['x1']}+{w['w22']}*{c['x2']}+{w['b2']}",
                "h2": f"=1/(1+EXP(-{c['net_h2']}))",
                "net_o": f"={w['v1']}*{c['h1']}+{w['v2']}*{c['h2']}+{w['c']}",
                "y": f"=1/(1+EXP(-{c['net_o']}))",
                "E": f"=0.5*({c['t']}-{c['y']})^2",
                "δo": f"=({c['t']}-{c['y']})*{c['y']}*(1-{c['y']})",
                "δh1": f"={c['h1']}*(1-{c['h1']})*{w['v1']}*{c['δo']}",
                "δh2": f"={c['h2']}*(1-{c['h2']})*{w['v2']}*{c['δo']}",
                "dv1": f"={c['δo']}*{c['h1']}",
                "dv2": f"={c['δo']}*{c['h2']}",
                "dc": f"={c['δo']}",
                "dw11": f"={c['δh1']}*{c['x1']}",
                "dw12": f"={c['δh1']}*{c['x2']}",
                "dw21": f"={c['δh2']}*{c['x1']}",
                "dw22": f"={c['δh2']}*{c['x2']}",
                "db1": f"={c['δh1']}",
                "db2": f"={c['δh2']}",
            }
            if slip == "δh2" and k == 0 and r == rows[1]:
                f["δh2"] = f"={c['h2']}*(1-{c['h2']})*{w['v1']}*{c['δo']}"  # v1 where v2 belongs
                cells["δh2"] = f"XOR!{c['δh2']}"
            for n, value in f.items():
                ws[c[n]] = value
        total = top + 8
        ws.cell(total, 1, "Sum")
        for n in ["E", *DELTA_OF.values()]:
            last = rows[-1] - (1 if slip == "sum" and k == 1 and n == "dw21" else 0)  # one pattern left out
            ws[f"{col[n]}{total}"] = f"=SUM({col[n]}{rows[0]}:{col[n]}{last})"
        cells["sum"] = f"XOR!{col['dw21']}{4 + 11 + 8}"
        ws.cell(total + 1, 1, "new weights")
        for p in params:
            sign = "-" if slip == "sign" and k == 2 and p == "v1" else "+"
            ws[f"{pcol[p]}{total + 1}"] = f"={pcol[p]}{top + 2}{sign}$B$2*{col[DELTA_OF[p]]}{total}"
        cells["sign"] = f"XOR!{pcol['v1']}{4 + 22 + 9}"
    wb.save(path)
    return path, cells


DELTA_SLIPS = [None, "δh2", "sum", "sign"]


@pytest.fixture(scope="module")
def delta_books(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str | None, tuple[Path, str | None]]:
    raw = tmp_path_factory.mktemp("delta-raw")
    made = {slip: _delta_rule(raw / f"delta-{slip or 'right'}.xlsx".replace("δ", "d"), slip) for slip in DELTA_SLIPS}
    done = recalculate([path for path, _ in made.values()], tmp_path_factory.mktemp("delta"))
    return {slip: (out, made[slip][1].get(slip or "")) for slip, out in zip(made, done, strict=True)}


@pytest.mark.parametrize("slip", DELTA_SLIPS)
def test_the_delta_rule_signs(slip: str | None, delta_books: dict[str | None, tuple[Path, str | None]]) -> None:
    """δ = (t − y)·y(1 − y), Δw summed, w + η·ΣΔw: right as built, and each slip named where it is."""
    path, cell = delta_books[slip]
    result = check_book(read_book(path), parse_network(DELTA_NETWORK, source="delta"))
    if slip is None:
        assert result.exit_code == 0, [t.reason for t in result.tables]
        assert result.tables[0].iterations == DELTA_EPOCHS
        negatives = {e.quantity.name for e in result.elements if e.cell is not None and e.quantity.name[0] == "−"}
        assert {"−∂L/∂B2", "−∂L/∂W1", "−∂L/∂B1"} <= negatives  # δo, Δw of a pattern, δh found as such
    else:
        first = result.first_mismatch
        assert result.exit_code == 1 and first is not None and first.cell is not None
        assert first.cell.address == cell


# ------------------------------------------------------------ a slip that spreads to every block
#
# Matt Mazur's 2-2-2 example as a blog reader writes it: a block of rows per iteration, a label in
# column A and its number in B. A slip made in every block from the first (the sigmoid's slope as
# out·(1 + out)), or the hidden errors read from the updated w5…w8 (written above them), leaves no
# number after iteration 0 equal to the run's: the stride is found from where iteration 1's forward
# pass is close to the run's, and the slip is named by its label.

MAZUR_W = {"w1": 0.15, "w2": 0.2, "w3": 0.25, "w4": 0.3, "w5": 0.4, "w6": 0.45, "w7": 0.5, "w8": 0.55}
MAZUR_ITERS = 6
MAZUR_NETWORK = (Path(__file__).resolve().parent.parent / "examples" / "mazur-2-2-2.toml").read_text()


def _mazur_rows(slip: str | None) -> list[tuple[str, str]]:
    rows = [
        ("net_h1", "={w1}*{i1}+{w2}*{i2}+{b1}*1"),
        ("out_h1", "=1/(1+EXP(-{net_h1}))"),
        ("net_h2", "={w3}*{i1}+{w4}*{i2}+{b1}*1"),
        ("out_h2", "=1/(1+EXP(-{net_h2}))"),
        ("net_o1", "={w5}*{out_h1}+{w6}*{out_h2}+{b2}*1"),
        ("out_o1", "=1/(1+EXP(-{net_o1}))"),
        ("net_o2", "={w7}*{out_h1}+{w8}*{out_h2}+{b2}*1"),
        ("out_o2", "=1/(1+EXP(-{net_o2}))"),
        ("E_o1", "=0.5*({target_o1}-{out_o1})^2"),
        ("E_o2", "=0.5*({target_o2}-{out_o2})^2"),
        ("E_total", "={E_o1}+{E_o2}"),
        ("dE_total/dout_o1", "=-({target_o1}-{out_o1})"),
        ("dout_o1/dnet_o1", "={out_o1}*(1+{out_o1})" if slip == "slope" else "={out_o1}*(1-{out_o1})"),
        ("dE_total/dout_o2", "=-({target_o2}-{out_o2})"),
        ("dout_o2/dnet_o2", "={out_o2}*(1-{out_o2})"),
        ("δ_o1", "={dE_total/dout_o1}*{dout_o1/dnet_o1}"),
        ("δ_o2", "={dE_total/dout_o2}*{dout_o2/dnet_o2}"),
        ("dE/dw5", "={δ_o1}*{out_h1}"),
        ("dE/dw6", "={δ_o1}*{out_h2}"),
        ("dE/dw7", "={δ_o2}*{out_h1}"),
        ("dE/dw8", "={δ_o2}*{out_h2}"),
    ]
    new = [(f"{w}+", f"={{{w}}}-{{eta}}*{{dE/d{w}}}") for w in ("w5", "w6", "w7", "w8")]
    w = "+}" if slip == "updated" else "}"  # the updated w5…w8 where the ones used belong
    hidden = [
        ("dE_total/dout_h1", f"={{δ_o1}}*{{w5{w}+{{δ_o2}}*{{w7{w}"),
        ("dE_total/dout_h2", f"={{δ_o1}}*{{w6{w}+{{δ_o2}}*{{w8{w}"),
        ("dout_h1/dnet_h1", "={out_h1}*(1-{out_h1})"),
        ("dout_h2/dnet_h2", "={out_h2}*(1-{out_h2})"),
        ("dE/dw1", "={dE_total/dout_h1}*{dout_h1/dnet_h1}*{i1}"),
        ("dE/dw2", "={dE_total/dout_h1}*{dout_h1/dnet_h1}*{i2}"),
        ("dE/dw3", "={dE_total/dout_h2}*{dout_h2/dnet_h2}*{i1}"),
        ("dE/dw4", "={dE_total/dout_h2}*{dout_h2/dnet_h2}*{i2}"),
    ]
    rest = [(f"{w}+", f"={{{w}}}-{{eta}}*{{dE/d{w}}}") for w in ("w1", "w2", "w3", "w4")]
    return [*rows, *new, *hidden, *rest]


def _mazur_blocks(path: Path, slip: str | None) -> tuple[Path, str | None]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Backprop"
    ws["A1"], ws["A2"], ws["B2"] = "Step by step backpropagation (Mazur)", "learning rate η", 0.5
    at = {"eta": "$B$2"}
    for j, (name, value) in enumerate(
        [("i1", 0.05), ("i2", 0.1), ("target_o1", 0.01), ("target_o2", 0.99), ("b1", 0.35), ("b2", 0.6)]
    ):
        ws.cell(4 + j, 1, name)
        ws.cell(4 + j, 2, value)
        at[name] = f"$B${4 + j}"
    r, slipped = 11, None
    for k in range(MAZUR_ITERS):
        ws.cell(r, 1, f"Iteration {k + 1}")
        r += 1
        before = dict(at)
        for w, start in MAZUR_W.items():
            ws.cell(r, 1, w)
            ws.cell(r, 2, start if k == 0 else f"={before[w + '+']}")
            at[w] = f"B{r}"
            r += 1
        for label, formula in _mazur_rows(slip):
            ws.cell(r, 1, label)
            at[label] = f"B{r}"
            ws.cell(r, 2, re.sub(r"\{([^{}]+)\}", lambda m: at[m.group(1)], formula))
            if k == 0 and label == {"slope": "dout_o1/dnet_o1", "updated": "dE_total/dout_h1"}.get(slip or ""):
                slipped = f"Backprop!B{r}"
            r += 1
        r += 1
    wb.save(path)
    return path, slipped


MAZUR_SLIPS = [None, "slope", "updated"]


@pytest.fixture(scope="module")
def mazur_books(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str | None, tuple[Path, str | None]]:
    raw = tmp_path_factory.mktemp("mazur-raw")
    made = {slip: _mazur_blocks(raw / f"mazur-{slip or 'right'}.xlsx", slip) for slip in MAZUR_SLIPS}
    done = recalculate([path for path, _ in made.values()], tmp_path_factory.mktemp("mazur"))
    return {slip: (out, made[slip][1]) for slip, out in zip(made, done, strict=True)}


@pytest.mark.parametrize("slip", MAZUR_SLIPS)
def test_a_slip_in_every_block_is_named(slip: str | None, mazur_books: dict) -> None:
    path, cell = mazur_books[slip]
    network = parse_network(MAZUR_NETWORK, source="mazur").with_overrides(iters=MAZUR_ITERS)
    result = check_book(read_book(path), network)
    assert result.tables[0].layout.stride == (0, 47, 0)  # a block of 47 rows per iteration
    if slip is None:
        assert result.exit_code == 0, [t.reason for t in result.tables]
    else:
        first = result.first_mismatch
        assert result.exit_code == 1 and first is not None and first.cell is not None
        assert first.cell.address == cell


# ------------------------------------------------------------------ momentum with velocity columns
#
# SGD with momentum as a sheet writes it: a row per iteration, the gradients, then a velocity per
# parameter v = μ·v + g under a row `v0` of zeros, and w − η·v (or, η inside, v = μ·v + η·g and
# w − v). μ = 0.9 sits right above x2 = 0.9. What once went wrong: the v0 row hid the velocity
# columns (the first v is the gradient itself, so the gradient's column was taken for it), and
# x2 was placed on μ's cell, one row above, sliding down the weights.

MOMENTUM_ITERS = 10
MOMENTUM_NETWORK = f"""
layers = [2, 2, 1]
activation = "sigmoid"
output_activation = "sigmoid"
optimizer = "momentum"
momentum = 0.9
lr = 0.5
iters = {MOMENTUM_ITERS}
[init]
W1 = [[0.1, 0.8], [0.4, 0.6]]
B1 = [0.15, -0.25]
W2 = [[0.3, 0.9]]
B2 = [0.35]
[[samples]]
x = [0.35, 0.9]
y = [0.5]
"""
M_PARAMS = {"w11": 0.1, "w12": 0.8, "w21": 0.4, "w22": 0.6, "b1": 0.15, "b2": -0.25, "w31": 0.3, "w32": 0.9, "b3": 0.35}
M_FORWARD = ["net_h1", "net_h2", "out_h1", "out_h2", "net_o", "out_o", "E", "delta_o", "g_w31", "g_w32", "g_b3"]
M_FORWARD += ["delta_h1", "delta_h2", "g_w11", "g_w12", "g_w21", "g_w22", "g_b1", "g_b2"]
M_COLUMNS = [*M_PARAMS, *M_FORWARD, *(f"v_{p}" for p in M_PARAMS)]


def _momentum(path: Path, variant: str) -> tuple[Path, str | None]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Momentum"
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "eta", 0.5, "mu (momentum)", 0.9
    ws["A2"], ws["B2"], ws["C2"], ws["D2"], ws["E2"], ws["F2"] = "x1", 0.35, "x2", 0.9, "target", 0.5
    col = {n: get_column_letter(2 + j) for j, n in enumerate(M_COLUMNS)}
    ws.cell(4, 1, "iteration")
    for n in M_COLUMNS:
        ws[f"{col[n]}4"] = n.replace("_", " ")
    ws.cell(5, 1, "v0")
    for p in M_PARAMS:
        ws[f"{col['v_' + p]}5"] = 0
    eta_inside = variant == "eta-inside"
    slipped = None
    for k in range(MOMENTUM_ITERS):
        r = 6 + k
        c = {n: f"{col[n]}{r}" for n in M_COLUMNS}
        up = {n: f"{col[n]}{r - 1}" for n in M_COLUMNS}
        ws.cell(r, 1, k + 1)
        f = {}
        for p, start in M_PARAMS.items():
            f[p] = start if k == 0 else f"={up[p]}-" + (up["v_" + p] if eta_inside else f"$B$1*{up['v_' + p]}")
        f |= {
            "net_h1": f"={c['w11']}*$B$2+{c['w12']}*$D$2+{c['b1']}",
            "net_h2": f"={c['w21']}*$B$2+{c['w22']}*$D$2+{c['b2']}",
            "out_h1": f"=1/(1+EXP(-{c['net_h1']}))",
            "out_h2": f"=1/(1+EXP(-{c['net_h2']}))",
            "net_o": f"={c['w31']}*{c['out_h1']}+{c['w32']}*{c['out_h2']}+{c['b3']}",
            "out_o": f"=1/(1+EXP(-{c['net_o']}))",
            "E": f"=0.5*($F$2-{c['out_o']})^2",
            "delta_o": f"=({c['out_o']}-$F$2)*{c['out_o']}*(1-{c['out_o']})",
            "g_w31": f"={c['delta_o']}*{c['out_h1']}",
            "g_w32": f"={c['delta_o']}*{c['out_h2']}",
            "g_b3": f"={c['delta_o']}",
            "delta_h1": f"={c['delta_o']}*{c['w31']}*{c['out_h1']}*(1-{c['out_h1']})",
            "delta_h2": f"={c['delta_o']}*{c['w32']}*{c['out_h2']}*(1-{c['out_h2']})",
            "g_w11": f"={c['delta_h1']}*$B$2",
            "g_w12": f"={c['delta_h1']}*$D$2",
            "g_w21": f"={c['delta_h2']}*$B$2",
            "g_w22": f"={c['delta_h2']}*$D$2",
            "g_b1": f"={c['delta_h1']}",
            "g_b2": f"={c['delta_h2']}",
        }
        for p in M_PARAMS:
            g = f"$B$1*{c['g_' + p]}" if eta_inside else c["g_" + p]
            f["v_" + p] = f"=$D$1*{up['v_' + p]}+{g}"
        if variant == "v-slip" and k == 4:
            f["v_w12"] = f"=$D$1*{up['v_w11']}+{c['g_w12']}"  # the velocity of w11 where w12's belongs
            slipped = f"Momentum!{c['v_w12']}"
        for n, value in f.items():
            ws[c[n]] = value
    wb.save(path)
    return path, slipped


MOMENTUM_VARIANTS = ["right", "eta-inside", "v-slip"]


@pytest.fixture(scope="module")
def momentum_books(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, tuple[Path, str | None]]:
    raw = tmp_path_factory.mktemp("momentum-raw")
    made = {v: _momentum(raw / f"momentum-{v}.xlsx", v) for v in MOMENTUM_VARIANTS}
    done = recalculate([path for path, _ in made.values()], tmp_path_factory.mktemp("momentum"))
    return {v: (out, made[v][1]) for v, out in zip(made, done, strict=True)}


@pytest.mark.parametrize("variant", MOMENTUM_VARIANTS)
def test_momentum_with_velocity_columns_under_a_row_of_zeros(variant: str, momentum_books: dict) -> None:
    path, cell = momentum_books[variant]
    result = check_book(read_book(path), parse_network(MOMENTUM_NETWORK, source="momentum"))
    x = {e.name: e.cell.address for e in result.elements if e.quantity.name == "x" and e.cell is not None}
    assert x.get("x[1]") in (None, "Momentum!D2")  # never μ's D1
    if cell is None:
        assert result.exit_code == 0, [t.reason for t in result.tables]
        assert result.tables[0].iterations == MOMENTUM_ITERS
    else:
        first = result.first_mismatch
        assert result.exit_code == 1 and first is not None and first.cell is not None
        assert first.cell.address == cell


# ------------------------------------------- a row per iteration: ReLU that converges, and softmax
#
# Two sheets a tester wrote, a row per iteration, each column a name and a formula of this row's
# `{name}` and the row above's `{name@p}`. The ReLU network (2-3-1, a neuron dead from the start,
# linear output, MSE) converges: its error becomes 2.5 − 2.499999999999993, which a spreadsheet
# gives as 0 and the run as −7e-15. The softmax network (2-2-3 tanh, cross-entropy) has its slip
# in iteration 0's hidden layer (tanh′ as 1 − h): every later forward pass is far from the run's,
# and the stride is known from the output layer's update, which stays right.


def _rows(path: Path, title: str, top: list[tuple[str, object]], columns: list[tuple], iters: int) -> Path:
    """`top`: (label, number) pairs in row 2 (B2, D2, F2, …: $B$2 is the first number); `columns`:
    (name, header, formula, first-row number or None), written from column B, a row per iteration."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws["A1"], ws["B1"] = "learning rate", LR[title]
    for j, (label, value) in enumerate(top):
        ws.cell(2, 1 + 2 * j, label)
        ws.cell(2, 2 + 2 * j, value)
    col = {name: get_column_letter(2 + j) for j, (name, *_) in enumerate(columns)}
    for name, header, _, _ in columns:
        ws[f"{col[name]}4"] = header
    for k in range(iters):
        r = 5 + k
        for name, _, formula, first in columns:
            if k == 0 and first is not None:
                ws[f"{col[name]}{r}"] = first
                continue

            def cell(m: re.Match, r: int = r) -> str:
                name, before = m.group(1), m.group(2)
                return f"{col[name]}{r - 1 if before else r}"

            ws[f"{col[name]}{r}"] = re.sub(r"\{([^{}@]+)(@p)?\}", cell, formula)
    wb.save(path)
    return path


LR = {"ReLU": 0.05, "Softmax": 0.3}
RELU_ITERS = 15
RELU_NETWORK = f"""
layers = [2, 3, 1]
activation = "relu"
output_activation = "linear"
loss = "mse"
lr = 0.05
iters = {RELU_ITERS}
[init]
W1 = [[0.5, -0.2], [0.3, 0.4], [-0.6, -0.1]]
B1 = [0.1, -0.1, 0.2]
W2 = [[0.7, 0.9, 0.35]]
B2 = [0.05]
[[samples]]
x = [1.5, 0.8]
y = [2.5]
"""


def _relu_columns(slip: str | None) -> list[tuple]:
    start = {"w11": 0.5, "w12": -0.2, "w21": 0.3, "w22": 0.4, "w31": -0.6, "w32": -0.1}
    start |= {"b1": 0.1, "b2": -0.1, "b3": 0.2, "v1": 0.7, "v2": 0.9, "v3": 0.35, "c": 0.05}
    grad = {p: f"g{p}" for p in start}
    out = [(p, p, f"={{{p}@p}}-$B$1*{{{grad[p]}@p}}", v) for p, v in start.items()]
    for j in (1, 2, 3):
        out.append((f"z{j}", f"z{j}", f"={{w{j}1}}*$B$2+{{w{j}2}}*$D$2+{{b{j}}}", None))
    for j in (1, 2, 3):
        out.append((f"h{j}", f"h{j}=ReLU", f"=MAX(0,{{z{j}}})", None))
    out.append(("yh", "y_hat", "={v1}*{h1}+{v2}*{h2}+{v3}*{h3}+{c}", None))
    out.append(("mse", "MSE", "=({yh}-$F$2)^2", None))
    out.append(("dout", "dE/dyhat", "=2*({yh}-$F$2)", None))
    for j in (1, 2, 3):
        out.append((f"gv{j}", f"dE/dv{j}", f"={{dout}}*{{h{j}}}", None))
    out.append(("gc", "dE/dc", "={dout}", None))
    for j in (1, 2, 3):
        out.append((f"r{j}", f"relu'(z{j})", f"=IF({{z{j}}}>0,1,0)", None))
    for j in (1, 2, 3):
        slope = f"{{h{j}}}" if slip == "relu'" and j == 2 else f"{{r{j}}}"  # h2 where relu'(z2) belongs
        out.append((f"gb{j}", f"dE/dz{j}", f"={{dout}}*{{v{j}}}*{slope}", None))
    for j in (1, 2, 3):
        out.append((f"gw{j}1", f"dE/dw{j}1", f"={{gb{j}}}*$B$2", None))
        out.append((f"gw{j}2", f"dE/dw{j}2", f"={{gb{j}}}*$D$2", None))
    return out


SOFTMAX_ITERS = 10
SOFTMAX_NETWORK = f"""
layers = [2, 2, 3]
activation = "tanh"
output_activation = "softmax"
loss = "cross_entropy"
lr = 0.3
iters = {SOFTMAX_ITERS}
[init]
W1 = [[0.4, -0.7], [0.25, 0.6]]
B1 = [0.1, -0.2]
W2 = [[0.3, -0.5], [-0.4, 0.8], [0.65, 0.15]]
B2 = [0.05, -0.1, 0.2]
[[samples]]
x = [0.5, -0.3]
y = [0.0, 1.0, 0.0]
"""


def _softmax_columns(slip: str | None) -> list[tuple]:
    start = {"w11": 0.4, "w12": -0.7, "w21": 0.25, "w22": 0.6, "b1": 0.1, "b2": -0.2}
    start |= {"u11": 0.3, "u12": -0.5, "u21": -0.4, "u22": 0.8, "u31": 0.65, "u32": 0.15}
    start |= {"c1": 0.05, "c2": -0.1, "c3": 0.2}
    out = [(p, p, f"={{{p}@p}}-$B$1*{{g{p}@p}}", v) for p, v in start.items()]
    for j in (1, 2):
        out.append((f"z{j}", f"z{j}", f"=$B$2*{{w{j}1}}+$D$2*{{w{j}2}}+{{b{j}}}", None))
    for j in (1, 2):
        out.append((f"h{j}", f"h{j}", f"=TANH({{z{j}}})", None))
    for k in (1, 2, 3):
        out.append((f"o{k}", f"o{k}", f"={{h1}}*{{u{k}1}}+{{h2}}*{{u{k}2}}+{{c{k}}}", None))
    for k in (1, 2, 3):
        out.append((f"e{k}", f"exp(o{k})", f"=EXP({{o{k}}})", None))
    out.append(("s", "sum", "={e1}+{e2}+{e3}", None))
    for k in (1, 2, 3):
        out.append((f"p{k}", f"p{k}", f"={{e{k}}}/{{s}}", None))
    out.append(("loss", "Loss", "=-($F$2*LN({p1})+$H$2*LN({p2})+$J$2*LN({p3}))", None))
    for k, t in ((1, "$F$2"), (2, "$H$2"), (3, "$J$2")):
        out.append((f"gc{k}", f"δ{k}=p{k}-t{k}", f"={{p{k}}}-{t}", None))
    for k in (1, 2, 3):
        for j in (1, 2):
            out.append((f"gu{k}{j}", f"dL/du{k}{j}", f"={{gc{k}}}*{{h{j}}}", None))
    for j in (1, 2):
        out.append((f"dh{j}", f"dL/dh{j}", f"={{gc1}}*{{u1{j}}}+{{gc2}}*{{u2{j}}}+{{gc3}}*{{u3{j}}}", None))
    for j in (1, 2):
        slope = "(1-{h1})" if slip == "tanh'" and j == 1 else f"(1-{{h{j}}}^2)"
        out.append((f"gb{j}", f"dL/dz{j}", f"={{dh{j}}}*{slope}", None))
    for j in (1, 2):
        out.append((f"gw{j}1", f"dL/dw{j}1", f"={{gb{j}}}*$B$2", None))
        out.append((f"gw{j}2", f"dL/dw{j}2", f"={{gb{j}}}*$D$2", None))
    return out


ROWS_CASES = {  # name: (title, network, columns, iterations, the first slip's cell)
    "relu": ("ReLU", RELU_NETWORK, _relu_columns(None), RELU_ITERS, None),
    "relu-slope": ("ReLU", RELU_NETWORK, _relu_columns("relu'"), RELU_ITERS, "gb2"),
    "softmax": ("Softmax", SOFTMAX_NETWORK, _softmax_columns(None), SOFTMAX_ITERS, None),
    "softmax-tanh'": ("Softmax", SOFTMAX_NETWORK, _softmax_columns("tanh'"), SOFTMAX_ITERS, "gb1"),
}


@pytest.fixture(scope="module")
def rows_books(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, Path]:
    raw = tmp_path_factory.mktemp("rows-raw")
    made = {}
    for name, (title, _, columns, iters, _) in ROWS_CASES.items():
        top = [("x1", 1.5 if title == "ReLU" else 0.5), ("x2", 0.8 if title == "ReLU" else -0.3)]
        top += [("target", 2.5)] if title == "ReLU" else [("t1", 0), ("t2", 1), ("t3", 0)]
        made[name] = _rows(raw / f"{name.replace(chr(39), '-d')}.xlsx", title, top, columns, iters)
    done = recalculate(list(made.values()), tmp_path_factory.mktemp("rows"))
    return dict(zip(made, done, strict=True))


@pytest.mark.parametrize("name", list(ROWS_CASES))
def test_rows_of_relu_and_softmax(name: str, rows_books: dict[str, Path]) -> None:
    title, network, columns, iters, slipped = ROWS_CASES[name]
    result = check_book(read_book(rows_books[name]), parse_network(network, source=name))
    if slipped is None:
        assert result.exit_code == 0, [t.reason for t in result.tables]
        assert result.tables[0].iterations == iters
    else:
        column = get_column_letter(2 + [c[0] for c in columns].index(slipped))
        first = result.first_mismatch
        assert result.exit_code == 1 and first is not None and first.cell is not None
        assert first.cell.address == f"{title}!{column}5"  # iteration 0's row


# ----------------------------------------------------------------------- a sheet per epoch by hand
#
# A sheet per epoch, each a table of parameter · value · gradient · new value beside the forward
# pass, the next sheet's values `=Epoch1!D9`. With the sign of one gradient flipped in the first
# epoch, a correct cell holding ∂L/∂B1[1] within 5 % of ∂L/∂f(O1)[1] (a number only some sheets
# write) once came first: such a number is found by its value or its name, not by nearness.

SHEETS = 5
EPOCHS_NETWORK = f"""
layers = [2, 2, 1]
activation = "tanh"
output_activation = "sigmoid"
loss = "cross_entropy"
lr = 0.8
iters = {SHEETS}
[init]
W1 = [[0.3, -0.25], [0.45, 0.2]]
B1 = [0.05, -0.1]
W2 = [[0.6, -0.35]]
B2 = [0.0]
[[samples]]
x = [0.7, -0.4]
y = [1.0]
"""
EPOCH_PARAMETERS = [
    ("w11", 0.3, "=G17*B4"),
    ("w12", -0.25, "=G17*B5"),
    ("w21", 0.45, "=G18*B4"),
    ("w22", 0.2, "=G18*B5"),
    ("b1", 0.05, "=G17"),
    ("b2", -0.1, "=G18"),
    ("v1", 0.6, "=G16*G11"),
    ("v2", -0.35, "=G16*G12"),
    ("c", 0.0, "=G16"),
]
EPOCH_FORWARD = [
    ("z1", "=B9*B4+B10*B5+B13"),
    ("z2", "=B11*B4+B12*B5+B14"),
    ("h1", "=TANH(G9)"),
    ("h2", "=TANH(G10)"),
    ("z_out", "=B15*G11+B16*G12+B17"),
    ("output", "=1/(1+EXP(-G13))"),
    ("loss", "=-(B6*LN(G14)+(1-B6)*LN(1-G14))"),
    ("delta_out", "=G14-B6"),
    ("delta_h1", "=G16*B15*(1-G11^2)"),
    ("delta_h2", "=G16*B16*(1-G12^2)"),
]


def _epochs(path: Path, slip: bool) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for k in range(SHEETS):
        ws = wb.create_sheet(f"Epoch{k + 1}")
        ws["A1"] = f"Epoch {k + 1}"
        for r, (label, value) in enumerate([("learning rate", 0.8), ("x1", 0.7), ("x2", -0.4), ("target", 1)], 3):
            ws.cell(r, 1, label)
            ws.cell(r, 2, value)
        for c, header in enumerate(["parameter", "value", "gradient", "new value"], 1):
            ws.cell(8, c, header)
        for r, (name, start, gradient) in enumerate(EPOCH_PARAMETERS, 9):
            ws.cell(r, 1, name)
            ws.cell(r, 2, start if k == 0 else f"=Epoch{k}!D{r}")
            ws.cell(r, 3, "=-G18*B5" if slip and k == 0 and name == "w22" else gradient)
            ws.cell(r, 4, f"=B{r}-$B$3*C{r}")
        for r, (name, formula) in enumerate(EPOCH_FORWARD, 9):
            ws.cell(r, 6, name)
            ws.cell(r, 7, formula)
    wb.save(path)
    return path


@pytest.mark.parametrize("slip", [False, True])
def test_a_sheet_per_epoch(slip: bool, tmp_path: Path, soffice: str) -> None:
    (path,) = recalculate([_epochs(tmp_path / f"epochs-{slip}.xlsx", slip)], tmp_path / "recalculated")
    result = check_book(read_book(path), parse_network(EPOCHS_NETWORK, source="epochs"))
    if not slip:
        assert result.exit_code == 0, [t.reason for t in result.tables]
        assert result.tables[0].iterations == SHEETS
    else:
        first = result.first_mismatch
        assert result.exit_code == 1 and first is not None and first.cell is not None
        assert first.cell.address == "Epoch1!C12", first.name  # ∂E/∂w22 with its sign flipped
