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
