"""`sheetnet diff --formulas` shows the cause: formula changes first, grouped as they were filled
down or across, then the values no formula change explains, then how many values follow.

Each scenario is asserted on the text (rendered whole, as a terminal of 80 or 120 columns shows
it) and on the JSON.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from rich.console import Console

from sheetnet.book import read_book
from sheetnet.cli import main
from sheetnet.diff import DiffResult, diff_books
from sheetnet.diff_view import print_diff
from sheetnet.libreoffice import recalculate

Cells = dict[str, Any]  # "A1": 2 (typed), or "B1": ("=A1*2", 4) (a formula and the value it shows)


def _workbook(path: Path, sheets: dict[str, Cells]) -> Path:
    """A workbook as a spreadsheet program saves it: every formula with its value."""
    with xlsxwriter.Workbook(path) as wb:
        for name, cells in sheets.items():
            ws = wb.add_worksheet(name)
            for where, content in cells.items():
                if isinstance(content, tuple):
                    ws.write_formula(where, content[0], None, content[1])
                else:
                    ws.write(where, content)
    return path


def _diff(a: Path, b: Path, **options: Any) -> DiffResult:
    result = diff_books(read_book(a), read_book(b), **options)
    result.a.path, result.b.path = Path("a.xlsx"), Path("b.xlsx")  # short names in the text
    return result


def _text(result: DiffResult, width: int = 80, limit: int = 20) -> str:
    buffer = io.StringIO()
    print_diff(Console(file=buffer, width=width, color_system=None, highlight=False), result, limit)
    return buffer.getvalue()


def _cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def _json(a: Path, b: Path, *options: str) -> tuple[int, dict[str, Any]]:
    exit_code, out = _cli(["diff", str(a), str(b), "--json", *options])
    return exit_code, json.loads(out)


# A2 is typed; B1 doubles A1, B2 doubles A2, C1 adds them, D1 adds one to C1, E1 to A2.
_SHEET_A: Cells = {
    "A1": 2,
    "A2": 3,
    "B1": ("=A1*2", 4),
    "B2": ("=A2*2", 6),
    "C1": ("=B1+B2", 10),
    "D1": ("=C1+1", 11),
    "E1": ("=A2+1", 4),
}
# B triples A1 in B1, and A2 is typed as 4.
_SHEET_B: Cells = {
    "A1": 2,
    "A2": 4,
    "B1": ("=A1*3", 6),
    "B2": ("=A2*2", 8),
    "C1": ("=B1+B2", 14),
    "D1": ("=C1+1", 15),
    "E1": ("=A2+1", 5),
}


def test_a_formula_changed_in_one_cell_comes_first_and_its_consequences_are_counted(tmp_path: Path) -> None:
    a = _workbook(tmp_path / "a.xlsx", {"S": _SHEET_A})
    b = _workbook(tmp_path / "b.xlsx", {"S": _SHEET_B})

    assert _text(_diff(a, b, formulas=True)) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "Formula changes in 1 cell, A → B, what differs «marked»:\n"
        "  S!B1 (1 cell): =A1*«2» → =A1*«3»\n"
        "Values that differ, not following from a formula change:\n"
        "┏━━━━━━━┳━━━━━━┳━━━┳━━━┳━━━━━━━┓\n"
        "┃ sheet ┃ cell ┃ A ┃ B ┃ B − A ┃\n"
        "┡━━━━━━━╇━━━━━━╇━━━╇━━━╇━━━━━━━┩\n"
        "│ S     │ E1   │ 4 │ 5 │     1 │\n"
        "│ S     │ A2   │ 3 │ 4 │     1 │\n"
        "│ S     │ B2   │ 6 │ 8 │     2 │\n"
        "└───────┴──────┴───┴───┴───────┘\n"
        "2 values follow from this formula change (--json gives the range each follows \n"
        "from).\n"
        "Different: 6 of 7 cells differ in 1 sheet.\n"
    )

    exit_code, data = _json(a, b, "--formulas")
    assert exit_code == 1
    assert data["formula_changes"] == [{"sheet": "S", "range": "B1", "a": "=A1*2", "b": "=A1*3", "cells": 1}]
    assert data["differences"] == [
        {"sheet": "S", "cell": "B1", "a": "=A1*2", "b": "=A1*3", "compared": "formula"},
        {"sheet": "S", "cell": "C1", "a": 10, "b": 14, "difference": 4, "follows_from": "S!B1"},
        {"sheet": "S", "cell": "D1", "a": 11, "b": 15, "difference": 4, "follows_from": "S!B1"},
        {"sheet": "S", "cell": "E1", "a": 4, "b": 5, "difference": 1, "follows_from": None},
        {"sheet": "S", "cell": "A2", "a": 3, "b": 4, "difference": 1, "follows_from": None},
        {"sheet": "S", "cell": "B2", "a": 6, "b": 8, "difference": 2, "follows_from": None},
    ]


def test_without_formulas_every_value_is_listed_as_before_and_the_formula_change_is_pointed_to(
    tmp_path: Path,
) -> None:
    a = _workbook(tmp_path / "a.xlsx", {"S": _SHEET_A})
    b = _workbook(tmp_path / "b.xlsx", {"S": _SHEET_B})

    assert _text(_diff(a, b), width=120) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "┏━━━━━━━┳━━━━━━┳━━━━┳━━━━┳━━━━━━━┓\n"
        "┃ sheet ┃ cell ┃  A ┃  B ┃ B − A ┃\n"
        "┡━━━━━━━╇━━━━━━╇━━━━╇━━━━╇━━━━━━━┩\n"
        "│ S     │ B1   │  4 │  6 │     2 │\n"
        "│ S     │ C1   │ 10 │ 14 │     4 │\n"
        "│ S     │ D1   │ 11 │ 15 │     4 │\n"
        "│ S     │ E1   │  4 │  5 │     1 │\n"
        "│ S     │ A2   │  3 │  4 │     1 │\n"
        "│ S     │ B2   │  6 │  8 │     2 │\n"
        "└───────┴──────┴────┴────┴───────┘\n"
        "1 of these cells differs in formula too: --formulas shows the formula changes first, grouped as they were "
        "filled, and \n"
        "counts the values that follow from them.\n"
        "Different: 6 of 7 cells differ in 1 sheet.\n"
    )
    exit_code, data = _json(a, b)
    assert exit_code == 1
    assert data["formula_changes"] == []
    assert [(d["cell"], d["follows_from"]) for d in data["differences"]] == [
        ("B1", None),
        ("C1", None),
        ("D1", None),
        ("E1", None),
        ("A2", None),
        ("B2", None),
    ]


def test_a_typed_number_that_changed_is_listed_as_a_value_with_what_it_feeds(tmp_path: Path) -> None:
    a = _workbook(tmp_path / "a.xlsx", {"S": {"A1": 2, "B1": ("=A1*2", 4), "C1": ("=B1+1", 5)}})
    b = _workbook(tmp_path / "b.xlsx", {"S": {"A1": 5, "B1": ("=A1*2", 10), "C1": ("=B1+1", 11)}})

    assert _text(_diff(a, b, formulas=True)) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "┏━━━━━━━┳━━━━━━┳━━━┳━━━━┳━━━━━━━┓\n"
        "┃ sheet ┃ cell ┃ A ┃  B ┃ B − A ┃\n"
        "┡━━━━━━━╇━━━━━━╇━━━╇━━━━╇━━━━━━━┩\n"
        "│ S     │ A1   │ 2 │  5 │     3 │\n"
        "│ S     │ B1   │ 4 │ 10 │     6 │\n"
        "│ S     │ C1   │ 5 │ 11 │     6 │\n"
        "└───────┴──────┴───┴────┴───────┘\n"
        "Different: 3 of 3 cells differ in 1 sheet.\n"
    )
    exit_code, data = _json(a, b, "--formulas")
    assert exit_code == 1
    assert data["formula_changes"] == []
    assert [(d["cell"], d["a"], d["b"], d["follows_from"]) for d in data["differences"]] == [
        ("A1", 2, 5, None),
        ("B1", 4, 10, None),
        ("C1", 5, 11, None),
    ]


def _filled_sheet(factor: int, step: int, pasted: bool) -> Cells:
    """A1:A5 typed 1..5; B = A·factor and C = B + 1 filled down; D1:E5 `=$A1+step` filled down and
    across; F1 sums D1:E5; G1:G3 ten times A (its values typed in when `pasted`); J1 sums C1:C300
    (a range kept whole by the dependency graph) and K1 the whole column C."""
    cells: Cells = {}
    for r in range(1, 6):
        cells[f"A{r}"] = r
        cells[f"B{r}"] = (f"=A{r}*{factor}", r * factor)
        cells[f"C{r}"] = (f"=B{r}+1", r * factor + 1)
        cells[f"D{r}"] = (f"=$A{r}+{step}", r + step)
        cells[f"E{r}"] = (f"=$A{r}+{step}", r + step)
    for r in range(1, 4):
        cells[f"G{r}"] = 10 * r if pasted else (f"=A{r}*10", 10 * r)
    column_c = sum(r * factor + 1 for r in range(1, 6))
    cells["F1"] = ("=SUM(D1:E5)", 2 * sum(r + step for r in range(1, 6)))
    cells["J1"] = ("=SUM(C1:C300)", column_c)
    cells["K1"] = ("=SUM(C:C)", column_c)
    return cells


def test_formulas_changed_down_a_column_across_a_block_and_pasted_as_values_are_one_range_each(
    tmp_path: Path,
) -> None:
    a = _workbook(tmp_path / "a.xlsx", {"S": _filled_sheet(2, 1, pasted=False)})
    b = _workbook(tmp_path / "b.xlsx", {"S": _filled_sheet(3, 2, pasted=True)})
    result = _diff(a, b, formulas=True)

    assert _text(result) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "Formula changes in 18 cells, 3 ranges each filled from one formula (first cell \n"
        "shown, A → B, what differs «marked»):\n"
        "  S!B1:B5 (5 cells): =A1*«2» → =A1*«3»\n"
        "  S!D1:E5 (10 cells): =$A1+«1» → =$A1+«2»\n"
        "  S!G1:G3 (3 cells): «=A1*10» → 10 (typed)\n"
        "8 values follow from these formula changes (--json gives the range each follows \n"
        "from).\n"
        "Different: 26 of 31 cells differ in 1 sheet.\n"
    )
    # --max counts ranges: the rest are counted, not shown
    assert _text(result, width=120, limit=1) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "Formula changes in 18 cells, 3 ranges each filled from one formula (first cell shown, A → B, what differs "
        "«marked»):\n"
        "  S!B1:B5 (5 cells): =A1*«2» → =A1*«3»\n"
        "  … and 2 more ranges (--max 3 shows them all, --json lists them)\n"
        "8 values follow from these formula changes (--json gives the range each follows from).\n"
        "Different: 26 of 31 cells differ in 1 sheet.\n"
    )

    exit_code, data = _json(a, b, "--formulas")
    assert exit_code == 1
    assert data["formula_changes"] == [
        {"sheet": "S", "range": "B1:B5", "a": "=A1*2", "b": "=A1*3", "cells": 5},
        {"sheet": "S", "range": "D1:E5", "a": "=$A1+1", "b": "=$A1+2", "cells": 10},
        {"sheet": "S", "range": "G1:G3", "a": "=A1*10", "b": None, "cells": 3},
    ]
    formulas = [d["cell"] for d in data["differences"] if d.get("compared") == "formula"]
    assert sorted(formulas) == sorted(
        [f"B{r}" for r in range(1, 6)] + [f"{c}{r}" for c in "DE" for r in range(1, 6)] + ["G1", "G2", "G3"]
    )
    follows = {d["cell"]: d["follows_from"] for d in data["differences"] if "follows_from" in d}
    assert follows == {
        **{f"C{r}": "S!B1:B5" for r in range(1, 6)},
        "F1": "S!D1:E5",
        "J1": "S!B1:B5",  # through C, a range of 300 cells
        "K1": "S!B1:B5",  # through C, a whole column
    }


def test_a_change_on_one_sheet_is_followed_on_others(tmp_path: Path) -> None:
    def book(path: Path, factor: int) -> Path:
        b1 = 3 * factor
        return _workbook(
            path,
            {
                "Iteration 0": {"A1": 3, "B1": (f"=A1*{factor}", b1)},
                "Loss": {"A1": ("='Iteration 0'!B1^2", b1**2), "A2": ("=A1/2", b1**2 / 2), "B1": 7},
                "Summary": {"A1": ("=Loss!A2", b1**2 / 2), "A2": ("=Loss!B1", 7)},
            },
        )

    a, b = book(tmp_path / "a.xlsx", 2), book(tmp_path / "b.xlsx", 3)
    assert _text(_diff(a, b, formulas=True)) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "Formula changes in 1 cell, A → B, what differs «marked»:\n"
        "  'Iteration 0'!B1 (1 cell): =A1*«2» → =A1*«3»\n"
        "3 values follow from this formula change (--json gives the range each follows \n"
        "from).\n"
        "Different: 4 of 7 cells differ in 3 sheets.\n"
    )
    exit_code, data = _json(a, b, "--formulas")
    assert exit_code == 1
    assert data["formula_changes"] == [{"sheet": "Iteration 0", "range": "B1", "a": "=A1*2", "b": "=A1*3", "cells": 1}]
    assert [(d["sheet"], d["cell"], d.get("follows_from")) for d in data["differences"]] == [
        ("Iteration 0", "B1", None),
        ("Loss", "A1", "'Iteration 0'!B1"),
        ("Loss", "A2", "'Iteration 0'!B1"),
        ("Summary", "A1", "'Iteration 0'!B1"),
    ]


def test_formulas_compare_by_the_cells_they_point_at_and_the_order_they_are_written_in(tmp_path: Path) -> None:
    def book(path: Path, c1: str, c2: str, c3: str, c4: str, c5: str) -> Path:
        cells: Cells = {"A1": 1, "B1": 2, "C1": (c1, 3), "C2": (c2, 2), "C3": (c3, 1), "C4": (c4, 3), "C5": (c5, 1)}
        return _workbook(path, {"S": {**cells, "D1": ("=C1*10", 30)}})

    a = book(tmp_path / "a.xlsx", "=A1+B1", "=$A$1*2", "=S!A1", "=SUM(A1:B1)", "=sum( a1 )")
    b = book(tmp_path / "b.xlsx", "=B1+A1", "=A1*2", "=A1", "=SUM($B$1:A1)", "=SUM(A1)")

    assert _text(_diff(a, b, formulas=True)) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "Formula changes in 1 cell, A → B, what differs «marked»:\n"
        "  S!C1 (1 cell): =«A1+B1» → =«B1+A1»\n"
        "Different: 1 of 8 cells differ in 1 sheet.\n"
    )
    exit_code, data = _json(a, b, "--formulas")
    assert exit_code == 1
    assert data["differences"] == [{"sheet": "S", "cell": "C1", "a": "=A1+B1", "b": "=B1+A1", "compared": "formula"}]
    assert data["formula_changes"] == [{"sheet": "S", "range": "C1", "a": "=A1+B1", "b": "=B1+A1", "cells": 1}]
    exit_code, data = _json(a, b)  # the values are equal
    assert exit_code == 0 and data["equal"] and data["formula_changes"] == []


@pytest.mark.libreoffice
def test_a_students_wrong_formula_corrected_down_two_columns_is_two_changes_and_the_rest_follows(
    tmp_path: Path, soffice: str, shared_fixtures: Path
) -> None:
    """The issue's workbook: Z36:AA67 use a_h1 (J) where they mean a_h2 (L). Corrected with openpyxl
    and recalculated by LibreOffice, every other difference is a consequence of the correction."""
    original = shared_fixtures / "vishak-dlexcel.xlsx"
    wb = openpyxl.load_workbook(original)
    ws = wb["Sheet1"]
    for row in range(36, 68):
        for col in ("Z", "AA"):
            formula = ws[f"{col}{row}"].value
            corrected = formula.replace(f"*J{row}*(1-J{row})*", f"*L{row}*(1-L{row})*")
            assert corrected != formula
            ws[f"{col}{row}"] = corrected
    wb.save(tmp_path / "corrected.xlsx")
    (b,) = recalculate([tmp_path / "corrected.xlsx"], tmp_path / "lo")

    result = _diff(original, b, formulas=True)
    formula_z36 = "=(((R36-A36)*R36*(1-R36)*N36)+((T36-B36)*T36*(1-T36)*P36))*{}36*(1-{}36)*{}36"
    assert [c.to_json() for c in result.formula_changes] == [
        {"sheet": "Sheet1", "range": "Z36:Z67", "a": formula_z36.format("J", "J", "C"),
         "b": formula_z36.format("L", "L", "C"), "cells": 32},
        {"sheet": "Sheet1", "range": "AA36:AA67", "a": formula_z36.format("J", "J", "D"),
         "b": formula_z36.format("L", "L", "D"), "cells": 32},
    ]  # fmt: skip
    # Only formulas changed: every value that differs follows from them.
    assert result.values == []
    assert len(result.differences) == 787 and len(result.following) == 787 - 64
    assert _text(result) == (
        "A = a.xlsx\n"
        "B = b.xlsx\n"
        "Formula changes in 64 cells, 2 ranges each filled from one formula (first cell \n"
        "shown, A → B, what differs «marked»):\n"
        "  Sheet1!Z36:Z67 (32 cells)\n"
        "    A: …P36))*«J36»*(1-«J36»)*C36\n"
        "    B: …P36))*«L36»*(1-«L36»)*C36\n"
        "  Sheet1!AA36:AA67 (32 cells)\n"
        "    A: …P36))*«J36»*(1-«J36»)*D36\n"
        "    B: …P36))*«L36»*(1-«L36»)*D36\n"
        "723 values follow from these formula changes (--json gives the range each \n"
        "follows from).\n"
        "Different: 787 of 1075 cells differ in 1 sheet.\n"
    )
    assert _text(result, width=120).splitlines()[2:5] == [
        "Formula changes in 64 cells, 2 ranges each filled from one formula (first cell shown, A → B, what differs "
        "«marked»):",
        "  Sheet1!Z36:Z67 (32 cells): …P36))*«J36»*(1-«J36»)*C36 → …P36))*«L36»*(1-«L36»)*C36",
        "  Sheet1!AA36:AA67 (32 cells): …P36))*«J36»*(1-«J36»)*D36 → …P36))*«L36»*(1-«L36»)*D36",
    ]

    exit_code, data = _json(original, b, "--formulas")
    assert exit_code == 1
    assert data["formula_changes"] == [c.to_json() for c in result.formula_changes]
    entries = {d["cell"]: d for d in data["differences"]}
    assert sum(d.get("compared") == "formula" for d in entries.values()) == 64
    assert entries["Z40"]["compared"] == "formula" and entries["Z40"]["b"].endswith("*L40*(1-L40)*C40")
    # G37 = G36 − η·Z36 (w3 updated by E∂w3), H37 = H36 − η·AA36 (w4 by E∂w4), W67 the last error
    assert entries["G37"]["follows_from"] == "Sheet1!Z36:Z67"
    assert entries["H37"]["follows_from"] == "Sheet1!AA36:AA67"
    assert entries["W67"]["follows_from"] in ("Sheet1!Z36:Z67", "Sheet1!AA36:AA67")
    assert sum("follows_from" in d for d in entries.values()) == 723
