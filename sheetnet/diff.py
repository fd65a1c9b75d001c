"""`sheetnet diff`: two workbooks compared cell by cell, sheets matched by name."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sheetnet.book import Book, column_letter


@dataclass(frozen=True)
class Difference:
    sheet: str
    row: int
    col: int
    a: Any
    b: Any
    what: str = "value"  # or "formula"

    @property
    def cell(self) -> str:
        return f"{column_letter(self.col)}{self.row}"

    @property
    def delta(self) -> float | None:
        if _is_number(self.a) and _is_number(self.b):
            return float(self.b) - float(self.a)
        return None

    def to_json(self) -> dict[str, Any]:
        data = {"sheet": self.sheet, "cell": self.cell, "a": jsonable(self.a), "b": jsonable(self.b)}
        if self.what != "value":
            data["compared"] = self.what
        if self.delta is not None:
            data["difference"] = jsonable(self.delta)
        return data


@dataclass
class DiffResult:
    a: Book
    b: Book
    differences: list[Difference]
    sheets_only_in_a: list[str]
    sheets_only_in_b: list[str]
    compared: int

    @property
    def equal(self) -> bool:
        return not (self.differences or self.sheets_only_in_a or self.sheets_only_in_b)

    def to_json(self) -> dict[str, Any]:
        return {
            "differences": [d.to_json() for d in self.differences],
            "sheets_only_in_a": self.sheets_only_in_a,
            "sheets_only_in_b": self.sheets_only_in_b,
            "compared": self.compared,
            "equal": self.equal,
        }


def diff_books(a: Book, b: Book, *, rtol: float = 1e-9, atol: float = 1e-12, formulas: bool = False) -> DiffResult:
    """Compare two workbooks cell by cell, sheets matched by name, in `a`'s sheet order."""
    differences: list[Difference] = []
    compared = 0
    common = [s for s in a.sheets if s in b.cells]
    for sheet in common:
        cells_a, cells_b = a.cells[sheet], b.cells[sheet]
        for where in sorted(cells_a.keys() | cells_b.keys()):
            compared += 1
            ca, cb = cells_a.get(where), cells_b.get(where)
            va, vb = (ca.value if ca else None), (cb.value if cb else None)
            row, col = where
            if not _same_value(va, vb, rtol, atol):
                differences.append(Difference(sheet, row, col, va, vb))
            elif formulas:
                fa, fb = (ca.formula if ca else None), (cb.formula if cb else None)
                if normalise_formula(fa) != normalise_formula(fb):
                    differences.append(Difference(sheet, row, col, fa, fb, "formula"))
    return DiffResult(
        a,
        b,
        differences,
        [s for s in a.sheets if s not in b.cells],
        [s for s in b.sheets if s not in a.cells],
        compared,
    )


def normalise_formula(formula: str | None) -> str | None:
    """Formula text compared without case, spaces, `$` and Excel's `_xlfn.`/`_xlws.` prefixes.

    Text inside double quotes keeps its case and spaces.
    """
    if formula is None:
        return None
    parts = formula.split('"')
    for i in range(0, len(parts), 2):  # outside string literals
        text = parts[i].upper().replace("$", "").replace("_XLFN.", "").replace("_XLWS.", "")
        parts[i] = "".join(text.split())
    return '"'.join(parts)


def _same_value(a: Any, b: Any, rtol: float, atol: float) -> bool:
    if _is_number(a) and _is_number(b):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= atol + rtol * max(abs(a), abs(b))
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return type(a) is type(b) and a == b


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    return str(v)


__all__ = ["DiffResult", "Difference", "diff_books", "jsonable", "normalise_formula"]
