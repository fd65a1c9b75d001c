"""`sheetnet check` on homework workbooks shaped in ways a reviewer found awkward.

Several tables on one sheet (side by side, stacked), a sheet that only copies the work sheet,
formulas showing #DIV/0!, numbers typed to 3 places, a literal η, sheetnet's own 1-2-2-1 ReLU
network in rows, bad tolerances and workbooks that hold no table at all.

Every expected cell comes from how the workbook was built: the slip is made in a known cell, and
for the 2-2-2 family `homework.first_slip` confirms from the row model alone that it is the first
cell a check must name. The numbers are computed here in Python and written with each formula
(XlsxWriter stores a formula's result), so nothing needs recalculating.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence, Set
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from homework import (
    COLUMNS,
    HEADERS,
    Cell,
    Mutation,
    Network,
    Row,
    Rule,
    Table,
    blocks_workbook,
    first_slip,
    formula,
    literal_eta,
    rows_workbook,
    scaled,
    train,
)
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from sheetnet.cli import main

ITERS = 12


def check(book: Path, network: Path, iters: int, *args: str) -> tuple[int, dict[str, Any]]:
    """`sheetnet check BOOK --config NETWORK --iters N --json`: the exit code and the JSON."""
    argv = ["check", str(book), "--config", str(network), "--iters", str(iters), "--json", *args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def first_cell(data: dict[str, Any]) -> str | None:
    return data["first_mismatch"] and data["first_mismatch"]["cell"]


def tables(data: dict[str, Any]) -> list[tuple[str, float, str, str | None]]:
    """The tables found, by sheet and η: (sheet, η, verdict, first slip)."""
    found = [(t["sheet"], t["eta"], t["verdict"], t["first_slip"]) for t in data["tables"]]
    return sorted(found, key=lambda t: (t[0], t[1]))


def network_file(path: Path, eta: float = 0.5, iters: int = ITERS) -> Path:
    path.write_text(Network(eta=eta).toml(iters), encoding="utf-8")
    return path


# ------------------------------------------------------------------- 2-2-2 tables placed anywhere


def write_table(
    ws: Any, table: Table, *, header_row: int, left: int, eta_ref: str, errors: Set[tuple[int, str]] = frozenset()
) -> dict[tuple[int, str], str]:
    """`table` (homework.train's cells) in `COLUMNS` order from column `left`: the headers in 0-based
    row `header_row`, iteration k below them in `header_row + 1 + k`. Formulas are written with
    their values, typed cells as numbers; the cells in `errors` show #DIV/0!. Returns where each
    (iteration, column) went ("AY9")."""
    letters = {name: xl_col_to_name(left + j) for j, name in enumerate(COLUMNS)}
    where = {}
    for j, name in enumerate(COLUMNS):
        ws.write_string(header_row, left + j, HEADERS[name])
    for k, cells in enumerate(table):
        r = header_row + 1 + k
        for j, name in enumerate(COLUMNS):
            cell = cells[name]
            where[(k, name)] = f"{letters[name]}{r + 1}"
            if cell.rule is None:
                ws.write_number(r, left + j, cell.value)
            else:
                value = "#DIV/0!" if (k, name) in errors else cell.value
                ws.write_formula(r, left + j, formula(cell.rule, letters, r + 1, eta_ref), None, value)
    return where


def write_eta(ws: Any, row: int, col: int, eta: float) -> str:
    """Write "η =" and η beside it; returns the absolute reference to the η cell."""
    ws.write_string(row, col, "η =")
    ws.write_number(row, col + 1, eta)
    return xl_rowcol_to_cell(row, col + 1, row_abs=True, col_abs=True)


def made_first_slip(table: Table, eta: float) -> tuple[int, str] | None:
    """The row model's first slip of `table` (see homework.first_slip)."""
    return first_slip(table, Network(eta=eta))


SLIP = scaled("a_o1", 2, 1.01)  # a_o1's formula times 1.01 in iteration 2 only: SLIP.cells = {(2, "a_o1")}


def side_by_side(tmp_path: Path, mutation: Mutation | None) -> tuple[Path, dict[tuple[int, str], str]]:
    """One sheet comparing learning rates: η 0.5 in A…AE, η 2 two columns to its right (AH…BL),
    each with "η =" above its own table; `mutation` goes into the η 2 table."""
    book = xlsxwriter.Workbook(tmp_path / "side_by_side.xlsx")
    ws = book.add_worksheet("Sheet1")
    ws.write_string(0, 0, "Compare learning rates")
    where = {}
    for left, eta, slip in ((0, 0.5, None), (len(COLUMNS) + 2, 2.0, mutation)):
        eta_ref = write_eta(ws, 3, left, eta)
        table = train(ITERS, Network(eta=eta), mutation=slip)
        where = write_table(ws, table, header_row=5, left=left, eta_ref=eta_ref)
        assert made_first_slip(table, eta) in (slip.cells if slip else {None})
    book.close()
    return Path(book.filename), where  # where: the η 2 table's cells


def test_two_tables_side_by_side_are_two_tables_each_right(tmp_path: Path) -> None:
    book, _ = side_by_side(tmp_path, None)
    code, data = check(book, network_file(tmp_path / "net.toml"), ITERS)
    assert code == 0, data
    assert first_cell(data) is None
    assert tables(data) == [("Sheet1", 0.5, "right", None), ("Sheet1", 2.0, "right", None)]
    # each table holds its own inputs (t1 t2 i1 i2), though both have the same
    assert [t["range"] for t in data["tables"]] == ["A7:AE18", "AH7:BL18"]


def test_a_slip_in_the_second_of_two_tables_side_by_side_is_named_there(tmp_path: Path) -> None:
    book, where = side_by_side(tmp_path, SLIP)
    slip = f"Sheet1!{where[(2, 'a_o1')]}"
    assert slip == "Sheet1!AY9"  # a_o1 is the 18th column of the table from AH; iteration 2 in row 9
    code, data = check(book, network_file(tmp_path / "net.toml"), ITERS)
    assert code == 1, data
    assert first_cell(data) == slip
    assert tables(data) == [("Sheet1", 0.5, "right", None), ("Sheet1", 2.0, "wrong", slip)]


def test_a_slip_in_the_lower_of_two_stacked_tables_is_named_there(tmp_path: Path) -> None:
    """η 0.5 with its headers in row 6, η 2 below it with its headers in row 31."""
    book = xlsxwriter.Workbook(tmp_path / "stacked.xlsx")
    ws = book.add_worksheet("Sheet1")
    where = {}
    for top, eta, slip in ((3, 0.5, None), (28, 2.0, SLIP)):
        table = train(ITERS, Network(eta=eta), mutation=slip)
        where = write_table(ws, table, header_row=top + 2, left=0, eta_ref=write_eta(ws, top, 0, eta))
        assert made_first_slip(table, eta) in (slip.cells if slip else {None})
    book.close()
    slip = f"Sheet1!{where[(2, 'a_o1')]}"
    assert slip == "Sheet1!R34"
    code, data = check(Path(book.filename), network_file(tmp_path / "net.toml"), ITERS)
    assert code == 1, data
    assert first_cell(data) == slip
    assert tables(data) == [("Sheet1", 0.5, "right", None), ("Sheet1", 2.0, "wrong", slip)]


def test_a_sheet_copying_the_work_sheet_is_no_table_and_the_slip_is_named_on_the_work_sheet(
    tmp_path: Path,
) -> None:
    """`Final` comes first and only copies `Work` (`=Work!L10`, headers too); the slip is on `Work`."""
    mutation = scaled("a_h2", 3, 1.01)
    table = train(ITERS, Network(), mutation=mutation)
    assert made_first_slip(table, 0.5) == (3, "a_h2")
    book = xlsxwriter.Workbook(tmp_path / "copy.xlsx")
    final, work = book.add_worksheet("Final"), book.add_worksheet("Work")
    where = write_table(work, table, header_row=5, left=0, eta_ref=write_eta(work, 3, 0, 0.5))
    final.write_string(0, 0, "Final answers (copied from Work)")
    for j, name in enumerate(COLUMNS):
        final.write_formula(5, j, f"=Work!{xl_rowcol_to_cell(5, j)}", None, HEADERS[name])
        for k, cells in enumerate(table):
            final.write_formula(6 + k, j, f"=Work!{xl_rowcol_to_cell(6 + k, j)}", None, cells[name].value)
    book.close()
    slip = f"Work!{where[(3, 'a_h2')]}"
    assert slip == "Work!L10"
    code, data = check(Path(book.filename), network_file(tmp_path / "net.toml"), ITERS)
    assert code == 1, data
    assert first_cell(data) == slip
    assert tables(data) == [("Work", 0.5, "wrong", slip)]


def reads(rule: Rule) -> set[tuple[int, str]]:
    """The cells a rule's formula reads: (0, name) in its row, (-1, name) in the row above."""
    return {(-1 if prev else 0, name) for name, prev in re.findall(r"\{(\w+?)(_prev)?\}", rule.formula)}


def test_a_formula_showing_div0_from_iteration_3_on_is_the_first_mismatch(tmp_path: Path) -> None:
    """From iteration 3, a_o2's formula divides by an empty cell (`/$AH$1`): #DIV/0! there and in
    every cell that reads it, row after row, as a spreadsheet shows it."""
    broken = Rule("1/(1+EXP(-{o2}))/$AH$1", lambda r, p, eta: math.nan)  # its value is never written
    table = train(ITERS, Network())
    errors: set[tuple[int, str]] = set()
    for k, cells in enumerate(table):
        for name in COLUMNS:  # in this order every cell reads only cells before it or in the row above
            if k >= 3 and name == "a_o2":
                cells[name] = Cell(math.nan, broken)
                errors.add((k, name))
            elif cells[name].rule and any((k + dk, n) in errors for dk, n in reads(cells[name].rule)):
                errors.add((k, name))
    assert (3, "E_total") in errors and (3, "dw1") in errors and (3, "dw5") not in errors
    book = xlsxwriter.Workbook(tmp_path / "div0.xlsx")
    ws = book.add_worksheet("Sheet1")
    where = write_table(ws, table, header_row=5, left=0, eta_ref=write_eta(ws, 3, 0, 0.5), errors=errors)
    book.close()
    # iteration 3's weights come from iteration 2's updates, its h…o2 are right: a_o2 errs first
    slip = f"Sheet1!{where[(3, 'a_o2')]}"
    assert slip == "Sheet1!T10"
    code, data = check(Path(book.filename), network_file(tmp_path / "net.toml"), ITERS)
    assert code == 1, data
    assert first_cell(data) == slip
    assert tables(data) == [("Sheet1", 0.5, "wrong", slip)]


# ----------------------------------------------------------------------- typed numbers, literal η


def test_numbers_typed_to_3_places_with_the_rounding_carried_forward_are_right(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "typed3.xlsx")
    ws = book.add_worksheet("Sheet1")
    write_eta(ws, 3, 0, 0.5)
    table = train(20, Network(), typed=True, decimals=3)  # each number from the numbers typed before it
    for j, name in enumerate(COLUMNS):
        ws.write_string(5, j, HEADERS[name])
        for k, cells in enumerate(table):
            assert cells[name].rule is None and cells[name].value == round(cells[name].value, 3)
            ws.write_number(6 + k, j, cells[name].value)
    book.close()
    code, data = check(Path(book.filename), network_file(tmp_path / "net.toml", iters=20), 20)
    assert code == 0, data
    assert first_cell(data) is None
    assert tables(data) == [("Sheet1", 0.5, "right", None)]


def test_updates_typed_with_a_literal_eta_beside_the_eta_cell_are_wrong_from_the_first_update(
    tmp_path: Path,
) -> None:
    """`=E7-0.05*X7` beside η = 0.5: the first update, w1 in iteration 1, is the slip."""
    built = rows_workbook(tmp_path / "literal", iters=ITERS, eta=0.5, mutation=literal_eta(0.05))
    assert built.first_slip == built.cell(1, "w1") == "Sheet1!E8"
    code, data = check(built.path, built.network(), ITERS)
    assert code == 1, data
    assert first_cell(data) == built.first_slip
    assert tables(data) == [("Sheet1", 0.5, "wrong", built.first_slip)]


# --------------------------------------------------------- sheetnet's own 1-2-2-1 ReLU network


PARAMS = {  # the default network (`sheetnet init`): every weight 1, every bias −0.5
    **{f"W1_{j}0": 1.0 for j in range(2)},
    **{f"B1_{j}": -0.5 for j in range(2)},
    **{f"W2_{j}{i}": 1.0 for j in range(2) for i in range(2)},
    **{f"B2_{j}": -0.5 for j in range(2)},
    **{f"W3_0{i}": 1.0 for i in range(2)},
    "B3_0": -0.5,
}
SAMPLE = {"x": 2.0, "y": 1.0}


def relu_rules() -> dict[str, Rule]:
    """Every computed column of a row, in calculation order: forward pass, loss, gradients."""

    def relu_slope(name: str) -> str:
        return f"IF({{{name}}}>0,1,0)"

    rules: dict[str, Rule] = {}
    for j in range(2):
        rules[f"O1_{j}"] = Rule(
            f"{{W1_{j}0}}*{{x}}+{{B1_{j}}}", lambda r, p, e, j=j: r[f"W1_{j}0"] * r.x + r[f"B1_{j}"]
        )
    for j in range(2):
        rules[f"f1_{j}"] = Rule(f"MAX(0,{{O1_{j}}})", lambda r, p, e, j=j: max(0.0, r[f"O1_{j}"]))
    for j in range(2):
        rules[f"O2_{j}"] = Rule(
            f"{{W2_{j}0}}*{{f1_0}}+{{W2_{j}1}}*{{f1_1}}+{{B2_{j}}}",
            lambda r, p, e, j=j: r[f"W2_{j}0"] * r.f1_0 + r[f"W2_{j}1"] * r.f1_1 + r[f"B2_{j}"],
        )
    for j in range(2):
        rules[f"f2_{j}"] = Rule(f"MAX(0,{{O2_{j}}})", lambda r, p, e, j=j: max(0.0, r[f"O2_{j}"]))
    rules["yhat"] = Rule(
        "{W3_00}*{f2_0}+{W3_01}*{f2_1}+{B3_0}", lambda r, p, e: r.W3_00 * r.f2_0 + r.W3_01 * r.f2_1 + r.B3_0
    )
    rules["L"] = Rule("0.5*({yhat}-{y})^2", lambda r, p, e: 0.5 * (r.yhat - r.y) ** 2)
    rules["D"] = Rule("{yhat}-{y}", lambda r, p, e: r.yhat - r.y)
    for i in range(2):
        rules[f"dW3_0{i}"] = Rule(f"{{D}}*{{f2_{i}}}", lambda r, p, e, i=i: r.D * r[f"f2_{i}"])
    rules["dB3_0"] = Rule("{D}", lambda r, p, e: r.D)
    for j in range(2):
        rules[f"dB2_{j}"] = Rule(
            f"{{D}}*{{W3_0{j}}}*{relu_slope(f'O2_{j}')}",
            lambda r, p, e, j=j: r.D * r[f"W3_0{j}"] * (r[f"O2_{j}"] > 0),
        )
    for j in range(2):
        for i in range(2):
            rules[f"dW2_{j}{i}"] = Rule(
                f"{{dB2_{j}}}*{{f1_{i}}}", lambda r, p, e, j=j, i=i: r[f"dB2_{j}"] * r[f"f1_{i}"]
            )
    for i in range(2):
        rules[f"dB1_{i}"] = Rule(
            f"({{dB2_0}}*{{W2_0{i}}}+{{dB2_1}}*{{W2_1{i}}})*{relu_slope(f'O1_{i}')}",
            lambda r, p, e, i=i: (r.dB2_0 * r[f"W2_0{i}"] + r.dB2_1 * r[f"W2_1{i}"]) * (r[f"O1_{i}"] > 0),
        )
    for j in range(2):
        rules[f"dW1_{j}0"] = Rule(f"{{dB1_{j}}}*{{x}}", lambda r, p, e, j=j: r[f"dB1_{j}"] * r.x)
    return rules


def descent(name: str) -> Rule:
    return Rule(f"{{{name}_prev}}-{{eta}}*{{d{name}_prev}}", lambda r, p, eta: p[name] - eta * p[f"d{name}"])


def relu_header(name: str) -> str:
    """sheetnet's notation: W1_00 → W1[00], dB2_0 → ∂L/∂B2[0], f1_0 → f(O1)[0], yhat → ŷ."""
    special = {"x": "x", "y": "y", "yhat": "ŷ", "L": "L", "D": "Δ"}
    if name in special:
        return special[name]
    base, index = name.split("_")
    if base.startswith("d"):
        return f"∂L/∂{base[1:]}[{index}]"
    if base.startswith("f"):
        return f"f(O{base[1:]})[{index}]"
    return f"{base}[{index}]"


def relu_workbook(path: Path, iters: int, wrong: Mapping[str, Rule] | None = None) -> dict[tuple[int, str], str]:
    """Sheet `Train`: headers in row 1, iteration k in row 2 + k, the parameters first (typed in
    the first row, then each the update of the row above), x and y typed, then every formula
    with its value; η in a labelled cell right of the table. `wrong` replaces the rule of some
    columns from iteration 1 on. Returns where each (iteration, column) went ("M3")."""
    rules = relu_rules()
    columns: Sequence[str] = (*PARAMS, *SAMPLE, *rules)
    letters = {name: xl_col_to_name(j) for j, name in enumerate(columns)}
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Train")
    eta = 0.01
    eta_ref = write_eta(ws, 0, len(columns) + 1, eta)
    where = {}
    for j, name in enumerate(columns):
        ws.write_string(0, j, relu_header(name))
    above = Row()
    for k in range(iters):
        r, here = 1 + k, Row()
        for j, name in enumerate(columns):
            where[(k, name)] = f"{letters[name]}{r + 1}"
            if name in SAMPLE or (k == 0 and name in PARAMS):
                here[name] = SAMPLE[name] if name in SAMPLE else PARAMS[name]
                ws.write_number(r, j, here[name])
                continue
            rule = rules.get(name) or descent(name)
            if k >= 1 and wrong and name in wrong:
                rule = wrong[name]
            here[name] = float(rule.value(here, above, eta))
            ws.write_formula(r, j, formula(rule, letters, r + 1, eta_ref), None, here[name])
        above = here
    book.close()
    return where


def default_network(tmp_path: Path) -> Path:
    path = tmp_path / "default.toml"
    result = CliRunner().invoke(main, ["init", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_the_default_relu_network_in_rows_with_sheetnet_headers_is_right(tmp_path: Path) -> None:
    book = tmp_path / "relu.xlsx"
    relu_workbook(book, ITERS)
    code, data = check(book, default_network(tmp_path), ITERS)
    assert code == 0, data
    assert first_cell(data) is None
    assert tables(data) == [("Train", 0.01, "right", None)]


def test_a_bias_updated_with_plus_is_the_first_slip_in_the_second_row(tmp_path: Path) -> None:
    """B3 ← B3 + η·∂L/∂B3 from iteration 1 on (∂L/∂B3 = Δ = 3.5 in iteration 0: B3 is −0.465, not
    −0.535). The parameters come first in a row and B3 is the only wrong one, so it is the first slip."""
    book = tmp_path / "relu_plus.xlsx"
    plus = Rule("{B3_0_prev}+{eta}*{dB3_0_prev}", lambda r, p, eta: p.B3_0 + eta * p.dB3_0)
    where = relu_workbook(book, ITERS, {"B3_0": plus})
    slip = f"Train!{where[(1, 'B3_0')]}"
    assert slip == "Train!M3"  # B3 is the 13th column; iteration 1 is the second row under the headers
    code, data = check(book, default_network(tmp_path), ITERS)
    assert code == 1, data
    assert first_cell(data) == slip
    assert tables(data) == [("Train", 0.01, "wrong", slip)]


# ------------------------------------------------------------------------ what check refuses


def test_a_tolerance_that_is_not_a_finite_number_of_0_or_more_is_a_usage_error(tmp_path: Path) -> None:
    built = rows_workbook(tmp_path / "right", iters=3)
    for option, value in (("--rtol", "nan"), ("--rtol", "inf"), ("--atol", "-1")):
        argv = ["check", str(built.path), "--config", str(built.network()), "--json", option, value]
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 2, (option, value, result.output)
        assert option in result.output and "Traceback" not in result.output


def test_a_workbook_of_text_only_holds_no_numbers(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "text.xlsx")
    ws = book.add_worksheet("Sheet1")
    for r in range(30):
        for c in range(10):
            ws.write_string(r, c, f"word {r}-{c}")
    book.close()
    argv = ["check", str(book.filename), "--config", str(network_file(tmp_path / "net.toml")), "--json"]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2 and result.stdout == ""  # nothing to check: refused, not judged
    assert f"{book.filename}: the workbook holds no numbers" in result.stderr


def test_a_workbook_of_headers_over_zeros_follows_no_network(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "zeros.xlsx")
    ws = book.add_worksheet("Sheet1")
    for j, name in enumerate(COLUMNS):
        ws.write_string(5, j, HEADERS[name])
        for k in range(ITERS):
            ws.write_number(6 + k, j, 0)
    book.close()
    code, data = check(Path(book.filename), network_file(tmp_path / "net.toml"), ITERS)
    assert code == 1, data
    assert first_cell(data) is None and data["tables"] == []
    assert "no table in the workbook follows this network" in data["message"]


def test_an_empty_workbook_gets_one_message_and_no_traceback(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "empty.xlsx")
    book.add_worksheet("Sheet1")
    book.close()
    argv = ["check", str(book.filename), "--config", str(network_file(tmp_path / "net.toml")), "--json"]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert (
        result.stderr.strip()
        == f"sheetnet: error: {book.filename}: the workbook holds no numbers: there is nothing to check"
    )


@pytest.mark.parametrize("iters", [6, 10, 12])
def test_a_short_typed_table_is_right(iters: int, tmp_path: Path) -> None:
    """In the first rows w3 typed as 0.2500 … 0.2505 agrees with f'(O1)[1] = 0.2499 to the rounding:
    the cell where iteration 1 uses w3 is w3's (the update's), never f'(O1)'s."""
    built = rows_workbook(tmp_path / "short", iters=iters, typed=True, decimals=4)
    result = CliRunner().invoke(main, ["check", str(built.path), "--config", str(built.network()), "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0, data["first_mismatch"]
    assert [t["verdict"] for t in data["tables"]] == ["right"]


@pytest.mark.parametrize("iters", [3, 6, 8])
def test_few_typed_blocks_are_one_right_table(iters: int, tmp_path: Path) -> None:
    """O1 = 0.0275 typed in each of the first eight blocks is a number that changes slowly, not
    one that stays: it is placed, and the table is one table from its first block."""
    built = blocks_workbook(tmp_path / "blocks", iters=iters)
    result = CliRunner().invoke(main, ["check", str(built.path), "--config", str(built.network()), "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0, data["tables"]
    assert [(t["verdict"], t["iterations"]) for t in data["tables"]] == [("right", iters)]
    found = {e["quantity"] for e in data["elements"] if e["iteration"] == 0 and e["status"] == "found"}
    assert {"O1[0]", "O1[1]", "f(O1)[0]", "f(O1)[1]"} <= found


@pytest.mark.parametrize(
    ("typed", "column", "why"),
    [
        ({"w": (0.15, 0.20, 0.52, 0.30, 0.40, 0.45, 0.50, 0.55)}, "w3", "W1[1,0] (used) (w3) is typed as 0.52"),
        ({"x": (0.05, 0.01)}, "i2", "x[1] (i2) is typed as 0.01"),
        ({"y": (0.01, 0.09)}, "t2", "y[1] (t2) is typed as 0.09"),
    ],
)
def test_a_starting_number_typed_wrong_is_the_first_slip(
    typed: dict[str, tuple[float, ...]], column: str, why: str, tmp_path: Path
) -> None:
    """The student typed a starting number wrong and computed everything right from it: with the
    assignment's network (--config) the tables are still found (fitted on the run the workbook's
    own starting numbers give, read from its formulas) and the typed number is the first slip."""
    built = rows_workbook(tmp_path / "typo", iters=ITERS, net=Network(**typed))
    assignment = network_file(tmp_path / "assignment.toml")
    result = CliRunner().invoke(main, ["check", str(built.path), "--config", str(assignment), "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    first = data["first_mismatch"]
    assert first["cell"] == built.cell(0, column), data["tables"]
    assert why in first["explanation"]
    assert [t["verdict"] for t in data["tables"]] == ["wrong"]
