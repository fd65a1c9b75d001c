"""`sheetnet check` on workbooks whose later iterations' weights are typed as numbers rounded to 4
decimals, as a student copies the updated weights into the next block (or row) by hand instead of
referring to them. The typed numbers are the correct rounding of what the workbook's own earlier
numbers give, and everything after is computed from them: such a workbook is right. One typed
weight 0.002 off is the first slip, and so is a formula wrong after the typed iterations.

The workbooks (a 2-2-1 sigmoid network, one sample, biases not trained) are built here with
openpyxl, a block of rows per iteration (labels in column A) or a row per iteration (headers on
top), and recalculated in LibreOffice.
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from sheetnet.book import read_book
from sheetnet.check import CheckResult, check_book
from sheetnet.libreoffice import recalculate
from sheetnet.spec import parse_network
from sheetnet.status import SLIP

pytestmark = pytest.mark.libreoffice

ITERS = 8
ETA = 0.5
X1, X2, TARGET, B1, B2 = 0.35, 0.9, 0.5, 0.1, 0.2
W0 = {"w1": 0.1, "w2": 0.8, "w3": 0.4, "w4": 0.6, "w5": 0.3, "w6": 0.9}
TYPED = (1,)  # the iterations whose weights are typed rounded to 4 decimals
OFF = ("w5", 1)  # the weight typed 0.002 off in the "off" variant
SLIP_AT = ("dw6", 5)  # the formula wrong in the "slip" variant: a1 where a2 belongs

NETWORK = f"""
layers = [2, 2, 1]
activation = "sigmoid"
output_activation = "sigmoid"
loss = "half_squared_error"
lr = {ETA}
iters = {ITERS}
train_biases = false

[init]
W1 = [[{W0["w1"]}, {W0["w2"]}], [{W0["w3"]}, {W0["w4"]}]]
B1 = [{B1}, {B1}]
W2 = [[{W0["w5"]}, {W0["w6"]}]]
B2 = [{B2}]

[[samples]]
x = [{X1}, {X2}]
y = [{TARGET}]
"""

# each iteration's rows after its weights, as a person types them: {name} in this iteration,
# {$name} a constant
ROWS = [
    ("h1", "={w1}*{$x1}+{w2}*{$x2}+{$b1}"),
    ("a1", "=1/(1+EXP(-{h1}))"),
    ("h2", "={w3}*{$x1}+{w4}*{$x2}+{$b1}"),
    ("a2", "=1/(1+EXP(-{h2}))"),
    ("o", "={w5}*{a1}+{w6}*{a2}+{$b2}"),
    ("y", "=1/(1+EXP(-{o}))"),
    ("E", "=0.5*({$t}-{y})^2"),
    ("d_o", "=({y}-{$t})*{y}*(1-{y})"),
    ("dw5", "={d_o}*{a1}"),
    ("dw6", "={d_o}*{a2}"),
    ("d_h1", "={d_o}*{w5}*{a1}*(1-{a1})"),
    ("d_h2", "={d_o}*{w6}*{a2}*(1-{a2})"),
    ("dw1", "={d_h1}*{$x1}"),
    ("dw2", "={d_h1}*{$x2}"),
    ("dw3", "={d_h2}*{$x1}"),
    ("dw4", "={d_h2}*{$x2}"),
    *[(f"new_{w}", f"={{{w}}}-{{$eta}}*{{d{w}}}") for w in W0],
]
CONSTANTS = {"eta": ETA, "x1": X1, "x2": X2, "t": TARGET, "b1": B1, "b2": B2}


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _step(w: dict[str, float]) -> dict[str, float]:
    """One iteration of the network on the weights `w`: the updated weights."""
    a1 = _sigmoid(w["w1"] * X1 + w["w2"] * X2 + B1)
    a2 = _sigmoid(w["w3"] * X1 + w["w4"] * X2 + B1)
    y = _sigmoid(w["w5"] * a1 + w["w6"] * a2 + B2)
    d_o = (y - TARGET) * y * (1 - y)
    d_h1, d_h2 = d_o * w["w5"] * a1 * (1 - a1), d_o * w["w6"] * a2 * (1 - a2)
    grad = {"w1": d_h1 * X1, "w2": d_h1 * X2, "w3": d_h2 * X1, "w4": d_h2 * X2, "w5": d_o * a1, "w6": d_o * a2}
    return {k: w[k] - ETA * grad[k] for k in w}


def _typed_weights(variant: str) -> dict[int, dict[str, float]]:
    """The numbers the student types in the typed iterations: each the rounding to 4 decimals of
    what the workbook's own numbers give (the iterations before, typed ones included)."""
    typed: dict[int, dict[str, float]] = {}
    w = dict(W0)
    for k in range(max(TYPED) + 1):
        if k in TYPED:
            w = {name: round(v, 4) for name, v in w.items()}
            if variant == "off" and k == OFF[1]:
                w[OFF[0]] = round(w[OFF[0]] + 0.002, 4)
            typed[k] = dict(w)
        w = _step(w)
    return typed


class _Sheet:
    """Where each number goes: a block of rows per iteration, or a row per iteration."""

    def __init__(self, layout: str) -> None:
        self.layout = layout
        self.names = [*W0, *(name for name, _ in ROWS)]

    def cell(self, name: str, k: int) -> tuple[int, int]:
        if name.startswith("$"):
            return 2 + list(CONSTANTS).index(name[1:]), 2
        i = self.names.index(name)
        if self.layout == "blocks":
            return 12 + k * (len(self.names) + 2) + i, 2
        return 12 + k, 2 + i

    def address(self, name: str, k: int) -> str:
        row, col = self.cell(name, k)
        return f"{get_column_letter(col)}{row}"


def _build(path: Path, layout: str, variant: str) -> _Sheet:
    sheet = _Sheet(layout)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Train"
    labels = {"eta": "η", "x1": "x1", "x2": "x2", "t": "target", "b1": "b1", "b2": "b2"}
    for name, value in CONSTANTS.items():
        row, col = sheet.cell(f"${name}", 0)
        ws.cell(row, 1, labels[name])
        ws.cell(row, col, value)
    if layout == "rows":
        for name in sheet.names:
            ws.cell(11, sheet.cell(name, 0)[1], name)
    typed = _typed_weights(variant) if variant != "formulas" else {}

    def formula(template: str, k: int) -> str:
        out = template
        for name in sorted({*sheet.names, *(f"${c}" for c in CONSTANTS)}, key=len, reverse=True):
            row, col = sheet.cell(name, k)
            ref = f"${get_column_letter(col)}${row}" if name.startswith("$") else f"{get_column_letter(col)}{row}"
            out = out.replace(f"{{{name}}}", ref)
        return out

    for k in range(ITERS):
        if layout == "blocks":
            ws.cell(sheet.cell("w1", k)[0] - 1, 1, f"Iteration {k + 1}")
        for w in W0:
            row, col = sheet.cell(w, k)
            if layout == "blocks":
                ws.cell(row, 1, w)
            if k == 0:
                ws.cell(row, col, W0[w])
            elif k in typed:
                ws.cell(row, col, typed[k][w])
            else:
                prev_row, prev_col = sheet.cell(f"new_{w}", k - 1)
                ws.cell(row, col, f"={get_column_letter(prev_col)}{prev_row}")
        for name, template in ROWS:
            if variant == "slip" and (name, k) == SLIP_AT:
                template = "={d_o}*{a1}"
            row, col = sheet.cell(name, k)
            if layout == "blocks":
                ws.cell(row, 1, name)
            ws.cell(row, col, formula(template, k))
    wb.save(path)
    return sheet


VARIANTS = ("formulas", "ok", "off", "slip")
LAYOUTS = ("blocks", "rows")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[tuple[str, str], tuple[Path, _Sheet]]:
    raw = tmp_path_factory.mktemp("typed-raw")
    made = {(layout, variant): (raw / f"{layout}-{variant}.xlsx") for layout in LAYOUTS for variant in VARIANTS}
    sheets = {key: _build(path, *key) for key, path in made.items()}
    saved = recalculate(list(made.values()), tmp_path_factory.mktemp("typed"))
    return {key: (done, sheets[key]) for key, done in zip(made, saved, strict=True)}


def _check(path: Path) -> CheckResult:
    return check_book(read_book(path), parse_network(NETWORK, source="typed.toml"))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("variant", ["formulas", "ok"])
def test_weights_typed_rounded_in_later_iterations_are_right(
    layout: str, variant: str, built: dict[tuple[str, str], tuple[Path, _Sheet]]
) -> None:
    path, sheet = built[(layout, variant)]
    result = _check(path)
    tables = [(t.range, t.layout.kind, t.iterations, t.verdict, t.reason) for t in result.tables]
    assert result.exit_code == 0, (result.first_mismatch, tables)
    assert result.mismatches == []
    assert [t.iterations for t in result.tables] == [ITERS]
    # the last iteration is found where the sheet writes it, after the typed ones
    last = next(e for e in result.elements if e.t == ITERS - 1 and e.name == "ŷ[0]")
    assert last.cell is not None and last.cell.address == f"Train!{sheet.address('y', ITERS - 1)}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_weight_typed_off_is_the_first_slip(layout: str, built: dict[tuple[str, str], tuple[Path, _Sheet]]) -> None:
    path, sheet = built[(layout, "off")]
    result = _check(path)
    first = result.first_mismatch
    assert result.exit_code == 1
    assert first is not None and first.cell is not None, [(t.range, t.verdict) for t in result.tables]
    assert first.cell.address == f"Train!{sheet.address(*OFF)}", first
    # a row per iteration writes the update where the next row uses it: that cell is the update
    named = ("W2[0,0] (used)", OFF[1]) if layout == "blocks" else ("W2[0,0]", OFF[1] - 1)
    assert (first.name, first.t, first.kind) == (*named, SLIP)
    # everything else wrong only follows from it
    assert [e.cell.address for e in result.mismatches if e.kind == SLIP] == [first.cell.address]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_formula_wrong_after_the_typed_iterations_is_the_first_slip(
    layout: str, built: dict[tuple[str, str], tuple[Path, _Sheet]]
) -> None:
    path, sheet = built[(layout, "slip")]
    result = _check(path)
    first = result.first_mismatch
    assert result.exit_code == 1
    assert first is not None and first.cell is not None, [(t.range, t.verdict) for t in result.tables]
    assert first.cell.address == f"Train!{sheet.address(*SLIP_AT)}", first
    assert (first.name, first.t, first.kind) == ("∂L/∂W2[0,1]", SLIP_AT[1], SLIP)
    assert result.tables[0].iterations == ITERS
