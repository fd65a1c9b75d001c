"""What check works out once: a table copied for another η fitted once, a slip explained when read,
defined names read as the cells they name whichever row a formula is filled to."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import sheetnet.check as check
from sheetnet.book import read_book
from sheetnet.cells.formulas import Formulas
from sheetnet.formula import Bin, Ref
from sheetnet.spec import load_network


def test_six_sheets_that_compute_the_same_are_fitted_once(shared_fixtures: Path, monkeypatch) -> None:
    """harshvs4's six sheets (η 0.1 … 2) hold one table copied: the first sheet's layout is fitted
    and moved to the other five, each judged on its own numbers (its own η, the same slip)."""
    fitted = []
    fit = check.fit_layout
    monkeypatch.setattr(check, "fit_layout", lambda *a, **k: fitted.append(a[2]) or fit(*a, **k))
    network = load_network(shared_fixtures / "harshvs4-bp.toml").with_overrides(iters=34)
    result = check.check_book(read_book(shared_fixtures / "harshvs4-bp.xlsx"), network)
    assert fitted == [0]
    assert [t.sheet for t in result.tables] == ["LR_0.1", "LR_0.2", "LR_0.5", "LR_0.8", "LR_1", "LR_2"]
    assert [t.eta for t in result.tables] == [0.1, 0.2, 0.5, 0.8, 1, 2]
    firsts = [next(e for e in t.elements if e.kind == "slip").cell.address for t in result.tables]
    assert firsts == [f"{t.sheet}!X32" for t in result.tables]


def test_a_slip_is_explained_when_its_explanation_is_read(shared_fixtures: Path) -> None:
    network = load_network(shared_fixtures / "vishak-dlexcel.toml").with_overrides(iters=32)
    result = check.check_book(read_book(shared_fixtures / "vishak-dlexcel.xlsx"), network)
    slips = [e for e in result.elements if e.kind == "slip"]
    assert len(slips) == 64 and all(e.explain is not None for e in slips)  # none worked out yet
    first = slips[0]
    assert "uses `J36` = f(O1)[0] (a_h1) where f(O1)[1]" in first.explanation
    assert first.explain is None and first.reads and all(e.explain is not None for e in slips[1:])


@pytest.mark.parametrize("name", ["lr", "LR"])
def test_a_defined_name_reads_the_cell_it_names_in_every_row(tmp_path: Path, name: str, monkeypatch) -> None:
    """`=A{r}-lr*B{r}` filled down: parsed once for the column (the name spelled as its cell), and
    every row's tree reads its own A and B and the name's cell."""
    import sheetnet.cells.formulas as cells_formulas

    parsed = []
    parse = cells_formulas.parse
    monkeypatch.setattr(cells_formulas, "parse", lambda *a, **k: parsed.append(a[0]) or parse(*a, **k))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Train sheet"
    sheet["D1"] = 0.5
    book.defined_names[name.lower()] = openpyxl.workbook.defined_name.DefinedName(
        name.lower(), attr_text="'Train sheet'!$D$1"
    )
    for r in range(2, 6):
        sheet[f"A{r}"], sheet[f"B{r}"], sheet[f"C{r}"] = r, 2 * r, f"=A{r}-{name}*B{r}"
    book.save(tmp_path / "named.xlsx")
    formulas = Formulas(read_book(tmp_path / "named.xlsx"))
    assert len(parsed) == 1
    for r in range(2, 6):
        assert formulas.trees[(0, r, 3)] == Bin(
            "-", Ref((0, r, 1)), Bin("*", Ref((0, 1, 4), absolute=True), Ref((0, r, 2)))
        )


def test_a_running_sum_filled_down_is_parsed_once_and_a_whole_column_read_on_its_own_sheet(
    tmp_path: Path, monkeypatch
) -> None:
    """`=SUM($A$1:A{r})` filled down past MAX_RANGE cells: one parse for the column, each row's
    tree what parsing the row itself gives (an `Area` once the range is too large to spell out);
    `=SUM(A:A)` on two sheets reads the whole column of its own sheet."""
    import sheetnet.cells.formulas as cells_formulas
    from sheetnet.formula import MAX_RANGE, Area, Rng, parse

    parsed = []
    monkeypatch.setattr(cells_formulas, "parse", lambda *a, **k: parsed.append(a[0]) or parse(*a, **k))
    book = openpyxl.Workbook()
    first = book.active
    first.title = "One"
    second = book.create_sheet("Two")
    rows = MAX_RANGE + 20
    for r in range(1, rows + 1):
        first[f"A{r}"], first[f"B{r}"] = r, f"=SUM($A$1:A{r})"
    first["C1"] = second["C1"] = "=SUM(A:A)"
    book.save(tmp_path / "running.xlsx")
    formulas = Formulas(read_book(tmp_path / "running.xlsx"))
    assert parsed == ["=SUM($A$1:A1)", "=SUM(A:A)", "=SUM(A:A)"]  # a whole column: parsed in its cell
    for r in (1, MAX_RANGE, MAX_RANGE + 1, rows):
        assert formulas.trees[(0, r, 2)] == parse(f"=SUM($A$1:A{r})", 0, ["One", "Two"])
    assert isinstance(formulas.trees[(0, 5, 2)].args[0], Rng)
    assert formulas.trees[(0, rows, 2)].args[0] == Area(f"$A$1:A{rows}", 0, 1, 1, rows, 1)
    whole = [formulas.trees[(s, 1, 3)].args[0] for s in (0, 1)]
    assert [(a.text, a.sheet, a.top, a.bottom) for a in whole] == [("A:A", 0, 1, 1_048_576), ("A:A", 1, 1, 1_048_576)]


def test_each_cell_of_a_running_sum_computes_through_its_shape_s_program_what_its_own_tree_does(
    tmp_path: Path,
) -> None:
    """`=SUM($A$1:A{r})+C{r}` filled down past MAX_RANGE: the range becomes an `Area` (no cells
    spelled out, `Unsupported` to evaluate) where it grows too large, so from there on the first
    cell's program (its range a slot) is not the cell's: each cell gives through `run` (its shape's
    program) exactly what evaluating its own tree gives, and no other error."""
    from sheetnet.cells.dual import Dual, Unsupported, evaluate
    from sheetnet.cells.evaluation import run
    from sheetnet.formula import MAX_RANGE

    book = openpyxl.Workbook()
    sheet = book.active
    rows = MAX_RANGE + 20
    for r in range(1, rows + 1):
        sheet[f"A{r}"], sheet[f"C{r}"] = r, 2 * r
        sheet[f"B{r}"] = f"=SUM($A$1:A{r})+C{r}" if r % 2 else f"=C{r}+SUM($A$1:A{r})"
    book.save(tmp_path / "running.xlsx")
    formulas = Formulas(read_book(tmp_path / "running.xlsx"))

    def read(pos: tuple[int, int, int]) -> Dual:
        return Dual.const(float(pos[1] if pos[2] == 1 else 2 * pos[1]))

    outcomes = []
    for r in (1, 2, MAX_RANGE - 1, MAX_RANGE, MAX_RANGE + 1, MAX_RANGE + 2, rows - 1, rows):
        own: object
        try:
            own = evaluate(formulas.trees[(0, r, 2)], read).value
        except Unsupported:
            own = Unsupported
        try:
            shaped: object = run(formulas, (0, r, 2), read).value
        except Unsupported:
            shaped = Unsupported
        assert shaped == own, r
        outcomes.append(own)
    assert outcomes[0] == 1 + 2 and outcomes[3] == MAX_RANGE * (MAX_RANGE + 1) / 2 + 2 * MAX_RANGE
    assert outcomes[4:] == [Unsupported] * 4  # a range too large to spell out: not evaluated


def test_a_text_typed_with_an_equals_sign_is_a_text_and_a_formula_is_read_with_its_saved_value(
    tmp_path: Path,
) -> None:
    """One pass reads a cell's formula and its saved value (`book._parsed_cells`): a formula is
    what the file writes as one (`<f>`), with the value a spreadsheet saved for it, or none; a text
    typed as `=not a formula` (a string cell) is that text, no formula; a number is a number."""
    import xlsxwriter

    path = tmp_path / "typed.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("S")
        sheet.write_string("A1", "=not a formula")
        sheet.write_number("A2", 2.5)
        sheet.write_formula("A3", "=A2*2", None, 5)
        sheet.write_formula("A4", "=A2*3", None, "")  # no value saved
    read = read_book(path)
    cells = read.cells["S"]
    assert (cells[(1, 1)].value, cells[(1, 1)].formula) == ("=not a formula", None)
    assert (cells[(2, 1)].value, cells[(2, 1)].formula) == (2.5, None)
    assert (cells[(3, 1)].value, cells[(3, 1)].formula) == (5, "=A2*2")
    assert cells[(4, 1)].formula == "=A2*3"
    assert (read.formula_cells, read.cells_read) == (2, 4)
