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
