"""The cells around a workbook's first slip, as its sheet holds them: what the class page draws.

A window of the slip's sheet: the slip's row and column, those of the cells its formula reads on
that sheet however far, and a band of rows and columns around the slip as room allows (the lines
between left out, each such gap shown once). Each cell says what it shows (a number to `DIGITS` significant digits,
the number formats of the file are not read), its formula, its full value, and its part: the first
slip, a cell it reads, another slip, or a cell that only follows from a slip (`mark`: the
words `first-slip`, `slip`, `follows`, `reads`, space-separated, or None). Below it, the
formulas of the slip and of every cell it reads, those on other sheets too.

Plain data, made in the worker that checked the workbook (where its cells are) and sent back
with its row: a class's page is drawn from the rows alone.
"""

from __future__ import annotations

from typing import Any

from sheetnet.book import cell_address, column_letter
from sheetnet.status import MISMATCH, SLIP

ROWS_ABOVE, ROWS_BELOW = 3, 2  # the band of rows around the slip: the header of a row layout's first iteration
COLUMNS_BESIDE = 2  # columns each side of the slip
MOST_ROWS, MOST_COLUMNS = 10, 10  # a picture small enough for a page's width (and a row of a printed page)
DIGITS = 6  # significant digits a number is shown with: what a spreadsheet's column usually shows
TEXT_SHOWN = 24  # characters of a text cell shown (the whole text on hover)
FORMULAS_LISTED = 12  # formulas listed below the picture: the slip's and the cells it reads


def slip_picture(result: Any) -> dict[str, Any] | None:
    """The picture of `result`'s first slip (a `CheckResult`), or None when it has none."""
    from sheetnet.cells.formulas import formulas_of

    first = result.first_mismatch
    if first is None or first.cell is None:
        return None
    book = result.book
    cell = first.cell
    sheet = cell.sheet
    reads = formulas_of(book).reads((book.sheets.index(sheet), cell.row, cell.col))
    here = list(dict.fromkeys((r, c) for s, r, c in reads if book.sheets[s] == sheet))
    rows = _lines(cell.row, [r for r, _ in here], ROWS_ABOVE, ROWS_BELOW, MOST_ROWS)
    columns = _lines(cell.col, [c for _, c in here], COLUMNS_BESIDE, COLUMNS_BESIDE, MOST_COLUMNS)
    marks = _marks(result, sheet)
    for p in here:
        marks[p] = f"{marks[p]} reads" if p in marks else "reads"
    marks[(cell.row, cell.col)] = "first-slip"
    cells = book.cells[sheet]
    grid = []
    for row in _gapped(rows):
        if row is None:
            grid.append({"row": None, "cells": []})
            continue
        line = []
        for col in _gapped(columns):
            held = cells.get((row, col)) if col is not None else None
            line.append(None if col is None else _shown(held, marks.get((row, col))))
        grid.append({"row": row, "cells": line})
    listed = [(book.sheets.index(sheet), cell.row, cell.col), *dict.fromkeys(reads)][:FORMULAS_LISTED]
    formulas = []
    for s, row, col in listed:
        held = book.cells[book.sheets[s]].get((row, col))
        shown = _shown(held, None)
        where = f"{column_letter(col)}{row}" if book.sheets[s] == sheet else cell_address(book.sheets[s], row, col)
        formulas.append({"cell": where, "shown": shown["shown"], "formula": shown["formula"]})
    return {
        "sheet": sheet,
        "cell": cell.coordinate,
        "columns": [column_letter(c) if c is not None else None for c in _gapped(columns)],
        "rows": grid,
        "formulas": formulas,
        "more_reads": max(0, len(dict.fromkeys(reads)) + 1 - FORMULAS_LISTED),
    }


def _marks(result: Any, sheet: str) -> dict[tuple[int, int], str]:
    """The cells of `sheet` that are wrong: `slip`, or `follows` for one only wrong from a slip."""
    out: dict[tuple[int, int], str] = {}
    for element in result.mismatches:
        held = element.cell
        if element.status == MISMATCH and held is not None and held.sheet == sheet:
            where = (held.row, held.col)
            if element.kind == SLIP or out.get(where) != "slip":
                out[where] = "slip" if element.kind == SLIP else "follows"
    return out


def _lines(center: int, others: list[int], before: int, after: int, most: int) -> list[int]:
    """The rows (or columns) shown, `most` in all: `center`, then `others` (the nearest first), then
    the band from `before` lines above `center` to `after` below it (the nearest first)."""
    shown = {center}
    band = range(max(1, center - before), center + after + 1)
    for line in [*sorted(set(others), key=lambda n: abs(n - center)), *sorted(band, key=lambda n: abs(n - center))]:
        if len(shown) >= most:
            break
        shown.add(line)
    return sorted(shown)


def _gapped(lines: list[int]) -> list[int | None]:
    """`lines` with a None where lines are left out between two of them."""
    out: list[int | None] = []
    for line in lines:
        if out and out[-1] is not None and line > out[-1] + 1:
            out.append(None)
        out.append(line)
    return out


def _shown(cell: Any, mark: str | None) -> dict[str, Any]:
    if cell is None:
        return {"shown": "", "formula": None, "value": "", "mark": mark}
    value = cell.value
    if cell.is_number:
        shown = f"{float(value):.{DIGITS}g}"
        full = repr(float(value))
    elif isinstance(value, bool):
        shown = full = "TRUE" if value else "FALSE"
    else:
        full = "" if value is None else str(value)
        shown = full if len(full) <= TEXT_SHOWN else full[: TEXT_SHOWN - 1] + "…"
    formula = None if cell.formula is None else "=" + cell.formula.lstrip("=")
    return {"shown": shown, "formula": formula, "value": full, "mark": mark}
