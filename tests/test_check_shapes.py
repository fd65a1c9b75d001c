"""`sheetnet check` on workbooks of other families' shapes (tests/handmade.py, recalculated in LibreOffice).

Step columns of either sign (dw = −η·∂E/∂w added, η·∂E/∂w subtracted), momentum's v and Adam's
m, v, m̂, v̂ and step, iterations across columns (a row per network, each row its own η; a column
per iteration), X·W blocks with W written transposed and the bias as its last row (a 1 appended
to x and to A1), W·X blocks on XOR's four samples with the bias as the last column of W and a
row of ones under X, blocks one below the other and side by side, and XOR blocks with a row per
sample and a row of means. Each is right as built, and
with one cell's formula multiplied by 1.01 its first slip is that cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sheetnet.book import Cell, read_book
from sheetnet.check import CheckResult, check_book
from sheetnet.check.grid import change_of, copied_from, derivative_of
from sheetnet.libreoffice import recalculate
from sheetnet.spec import parse_network
from sheetnet.status import FOLLOWS, FOUND, SLIP

from handmade import (
    ACROSS_ETAS,
    Placer,
    one_one_one_across,
    one_one_one_rows,
    one_one_one_toml,
    sample_rows_blocks,
    wx_blocks,
    wx_toml,
    xw_blocks,
    xw_toml,
)

pytestmark = pytest.mark.libreoffice


@dataclass
class Shape:
    build: Callable[..., tuple[Path, Placer]]
    network: str
    options: dict[str, Any] = field(default_factory=dict)


SHAPES = {
    "steps-minus": Shape(one_one_one_rows, one_one_one_toml("sgd"), {"sign": -1}),
    "steps-plus": Shape(one_one_one_rows, one_one_one_toml("sgd"), {"sign": 1}),
    "momentum": Shape(one_one_one_rows, one_one_one_toml("momentum"), {"optimizer": "momentum"}),
    "adam": Shape(one_one_one_rows, one_one_one_toml("adam"), {"optimizer": "adam"}),
    "a-row-per-eta": Shape(one_one_one_across, one_one_one_toml("sgd", iters=8)),
    "a-column-per-iteration": Shape(one_one_one_rows, one_one_one_toml("sgd"), {"sign": 1, "transposed": True}),
    "xw-blocks": Shape(xw_blocks, xw_toml()),
    "xw-side-by-side": Shape(xw_blocks, xw_toml(), {"across": True}),
    "wx-blocks": Shape(wx_blocks, wx_toml()),
    "wx-side-by-side": Shape(wx_blocks, wx_toml(), {"across": True}),
    "a-row-per-sample": Shape(sample_rows_blocks, wx_toml()),
}

# (shape, the cell mutated, the quantity check names there, its iteration)
MUTATIONS = [
    ("steps-minus", "dw2@0", "−η·∂L/∂W2[0,0]", 0),  # the first dw: wrong from its first row
    ("steps-minus", "dw2@2", "−η·∂L/∂W2[0,0]", 2),
    ("steps-minus", "w2@3", "W2[0,0]", 2),  # `w2 + dw2` with a slip: the update of iteration 2
    ("steps-plus", "db1@3", "η·∂L/∂B1[0]", 3),
    ("momentum", "v_b2@2", "v(B2)[0]", 2),
    ("adam", "mh_w1@2", "m̂(W1)[0,0]", 2),
    ("adam", "s_b2@1", "η·m̂(B2)/(√v̂(B2) + ε)[0]", 1),
    ("a-row-per-eta", "d1@0/0.5", "∂L/∂B1[0]", 0),  # the rows agree in iteration 0: the η = 0.5 row's cell
    ("a-row-per-eta", "g_w2@2/0.5", "∂L/∂W2[0,0]", 2),
    ("a-column-per-iteration", "dw1@2", "η·∂L/∂W1[0,0]", 2),
    ("xw-blocks", "edW2_3@2", "η·∂L/∂B2[0]", 2),
    ("xw-blocks", "dZ_1@0", "∂L/∂B1[1]", 0),
    ("xw-blocks", "dW1_21@2", "∂L/∂B1[1]", 2),  # the bias row of dW1: ∂L/∂B1 a second time
    ("xw-side-by-side", "dW1_10@0", "∂L/∂W1[0,1]", 0),
    ("wx-blocks", "dZ1_13@0", "∂L/∂B1[1] (sample 3)", 0),
    ("wx-blocks", "dW1_12@2", "∂L/∂B1[1]", 2),  # the bias column of dW1: the mean ∂L/∂B1
    ("wx-side-by-side", "A1_10@0", "f(O1)[1] (sample 0)", 0),
    ("a-row-per-sample", "dh2_1@2", "∂L/∂B1[1] (sample 1)", 2),  # g_b2 beside it is `=dh2`: a copy
    ("a-row-per-sample", "g_v1_2@0", "∂L/∂W2[0,0] (sample 2)", 0),
    ("a-row-per-sample", "mean_g_w21@1", "∂L/∂W1[1,0]", 1),
]


@dataclass
class Built:
    path: Path
    put: Placer
    network: Any


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[tuple[str, str | None], Built]:
    """Every shape as built and with each of its mutations, recalculated in one LibreOffice run."""
    raw = tmp_path_factory.mktemp("shapes-raw")
    made: dict[tuple[str, str | None], tuple[Path, Placer, str]] = {}
    for name, shape in SHAPES.items():
        for mutate in [None, *(m for s, m, _, _ in MUTATIONS if s == name)]:
            stem = name if mutate is None else f"{name}-{mutate.replace('@', '-at-').replace('/', '-eta-')}"
            path, put = shape.build(raw / stem, mutate=mutate, **shape.options)
            made[(name, mutate)] = (path, put, shape.network)
    saved = recalculate([path for path, _, _ in made.values()], tmp_path_factory.mktemp("shapes"))
    return {
        key: Built(done, put, parse_network(network, source=key[0]))
        for (key, (_, put, network)), done in zip(made.items(), saved, strict=True)
    }


def _check(book: Built) -> CheckResult:
    return check_book(read_book(book.path), book.network)


def _element(result: CheckResult, t: int, name: str, table: int = 0):
    return next(e for e in result.elements if e.t == t and e.name == name and e.table == table)


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shape_is_right_as_built(name: str, built: dict[tuple[str, str | None], Built]) -> None:
    result = _check(built[(name, None)])
    tables = [(t.sheet, t.eta, t.verdict, t.reason) for t in result.tables]
    assert result.exit_code == 0, (result.first_mismatch, tables)
    assert result.mismatches == []


def test_step_columns_of_either_sign_are_the_steps(built: dict[tuple[str, str | None], Built]) -> None:
    """`dw2 = −η·∂E/∂w2` then `w2 + dw2`, and `dw2 = η·∂E/∂w2` then `w2 − dw2`: the dw columns hold
    the steps (not ∂L/∂W2, which the sheet writes nowhere), found in every row but the last."""
    for name, step in (("steps-minus", "−η·∂L/∂W2[0,0]"), ("steps-plus", "η·∂L/∂W2[0,0]")):
        book = built[(name, None)]
        result = _check(book)
        for t in range(10):
            element = _element(result, t, step)
            assert element.status == FOUND and element.cell.address == book.put.address(f"dw2@{t}"), (name, t)
        # the gradient itself is in no cell; the other sign's step is not reported at all
        assert _element(result, 0, "∂L/∂W2[0,0]").cell is None
        other = "η·∂L/∂W2[0,0]" if step.startswith("−") else "−η·∂L/∂W2[0,0]"
        assert not any(e.name == other for e in result.elements)
        assert _element(result, 0, "W2[0,0]").cell.address == book.put.address("w2@1")


def test_momentum_and_adam_state_columns_are_found(built: dict[tuple[str, str | None], Built]) -> None:
    momentum = built[("momentum", None)]
    result = _check(momentum)
    assert _element(result, 3, "v(B2)[0]").cell.address == momentum.put.address("v_b2@3")
    adam = built[("adam", None)]
    result = _check(adam)
    for state, column in (("m", "m_w1"), ("v", "v_w1"), ("m̂", "mh_w1"), ("v̂", "vh_w1")):
        element = _element(result, 4, f"{state}(W1)[0,0]")
        assert element.status == FOUND and element.cell.address == adam.put.address(f"{column}@4")
    step = _element(result, 4, "η·m̂(W1)/(√v̂(W1) + ε)[0,0]")
    assert step.status == FOUND and step.cell.address == adam.put.address("s_w1@4")


def test_a_row_per_network_is_a_table_each_with_its_own_eta(built: dict[tuple[str, str | None], Built]) -> None:
    book = built[("a-row-per-eta", None)]
    result = _check(book)
    assert sorted((t.eta, t.layout.kind, t.layout.stride, t.verdict) for t in result.tables) == [
        (eta, "columns", (0, 0, 13), "right") for eta in sorted(ACROSS_ETAS)
    ]
    for table in result.tables:
        last = _element(result, 7, "ŷ[0]", result.tables.index(table))
        assert last.cell.address == book.put.address(f"a2@7/{table.eta:g}")


def test_transposed_matrices_and_the_bias_row_are_placed_as_grids(built: dict[tuple[str, str | None], Built]) -> None:
    """X·W: W1[j, i] is in row i, column j of its block, B1 the row under it (the 1 of X multiplies
    it); with x1 = 1 the bias row, ∂L/∂W1[:, 0] and dZ1 hold the same numbers, and each element is
    still placed by its matrix's grid. η·∂L/∂B2 is a step, found where the sheet writes it."""
    book = built[("xw-blocks", None)]
    result = _check(book)
    for t in (0, 3):
        for j in range(3):
            assert _element(result, t, f"W1[{j},1] (used)").cell.address == book.put.address(f"W1_1{j}@{t}")
            assert _element(result, t, f"B1[{j}] (used)").cell.address == book.put.address(f"W1_2{j}@{t}")
            assert _element(result, t, f"∂L/∂W1[{j},0]").cell.address == book.put.address(f"dW1_0{j}@{t}")
            assert _element(result, t, f"η·∂L/∂W1[{j},1]").cell.address == book.put.address(f"edW1_1{j}@{t}")
        element = _element(result, t, "η·∂L/∂B2[0]")
        assert element.status == FOUND and element.cell.address == book.put.address(f"edW2_3@{t}")
    wx = built[("wx-blocks", None)]
    result = _check(wx)
    assert _element(result, 2, "B1[1] (used)").cell.address == wx.put.address("W1_12@2")
    assert _element(result, 2, "∂L/∂B1[1]").cell.address == wx.put.address("dW1_12@2")
    assert _element(result, 2, "∂L/∂B1[1] (sample 3)").cell.address == wx.put.address("dZ1_13@2")


@pytest.mark.parametrize(("name", "mutate", "quantity", "t"), MUTATIONS)
def test_one_cell_wrong_is_the_first_slip(
    name: str, mutate: str, quantity: str, t: int, built: dict[tuple[str, str | None], Built]
) -> None:
    book = built[(name, mutate)]
    result = _check(book)
    first = result.first_mismatch
    assert result.exit_code == 1
    assert first is not None and first.cell.address == book.put.address(mutate), first
    assert (first.name, first.t, first.kind) == (quantity, t, SLIP)
    # everything after it that it feeds follows from it: no second slip in another quantity
    slips = {(e.name, e.t) for e in result.mismatches if e.kind == SLIP}
    assert slips == {(quantity, t)}, sorted(slips)[:6]
    assert any(e.kind == FOLLOWS for e in result.mismatches)


def test_an_update_that_adds_its_step_is_explained_by_what_it_adds(
    built: dict[tuple[str, str | None], Built],
) -> None:
    """`w2 + dw2` is the update written another way: a slip in it reads the right cells."""
    result = _check(built[("steps-minus", "w2@3")])
    first = result.first_mismatch
    assert first.reads == ["F6", "O6"]  # w2 and dw2 of the row above
    assert "reads the right cells but computes" in first.explanation, first.explanation


def test_an_update_of_a_sheet_without_steps_is_explained_by_its_own_expression(tmp_path: Path, soffice: str) -> None:
    """Momentum's w1 typed as `w1 − 0.01` (no η, no v): the sheet writes no step, so the update is
    explained by what it should read (v), not by `w1 + step` with the step missing (which would
    leave w1 alone and say the right cells are read)."""
    import openpyxl

    path, _ = one_one_one_rows(tmp_path / "momentum", optimizer="momentum")
    book = openpyxl.load_workbook(path)
    assert book.active["D6"].value == "=D5-$B$1*S5"  # w1 ← w1 − η·v of the row above
    book.active["D6"] = "=D5-0.01"
    book.save(path)
    (out,) = recalculate([path], tmp_path / "recalculated")
    first = check_book(read_book(out), parse_network(one_one_one_toml("momentum"), source="m")).first_mismatch
    assert first is not None and first.cell is not None and first.cell.address == "Rows!D6"
    assert "does not read v(W1)[0,0]" in first.explanation, first.explanation


@pytest.mark.parametrize(
    ("token", "change"),
    [("dw3", "w3"), ("δw3", "w3"), ("delta_w3", "w3"), ("step_b2", "b2"), ("∂e/∂w3", None), ("w3", None)],
)
def test_a_step_column_is_named_by_what_it_adds(token: str, change: str | None) -> None:
    """`dw3` names the gradient or the step of w3; `∂E/∂w3` only the gradient."""
    assert change_of(token) == change
    assert derivative_of("dw3") == derivative_of("∂e/∂w3") == "w3"


@pytest.mark.parametrize(
    ("formula", "sheet"),
    [("=N32", ""), ("=$B$8", ""), ("=Work!L10", "Work"), ("='LR 0.1'!B3", "LR 0.1"), ("=AQ5*Setup!C15", None)],
)
def test_a_cell_that_only_refers_to_another_is_a_copy(formula: str, sheet: str | None) -> None:
    """Of cells holding equal numbers the one that computes it is the element's; `=AQ5*Setup!C15`
    computes (it is no reference to a sheet named `AQ5*Setup`)."""
    assert copied_from(Cell("Sheet1", 1, 1, 0.5, formula)) == sheet
