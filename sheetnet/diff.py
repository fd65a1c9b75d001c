"""`sheetnet diff`: two workbooks compared cell by cell, sheets matched by name, causes first.

With `formulas`, a cell whose formula differs is a formula change whatever its value does. The
formula changes are grouped as a spreadsheet fills them: cells whose two formulas are the same in
R1C1 form (`relative_key`) and that touch make one rectangle, so a formula filled down
a column is one change. A value difference in a cell that depends on a formula change, directly or
through other cells and across sheets (`cells.dependents.Dependents`, read from B's formulas), follows
from it; the others (a typed number changed, or a value nothing changed explains) stand on their
own.

A formula is read as `formula.tokens` reads it, through its pattern (`cells.patterns`: a column of
filled formulas is tokenized once), each reference as `formula.read_reference` reads it, in two
keys of `diff`'s own:

- `relative_key`: the formula as a spreadsheet fills it (R1C1 form). A relative row or column is
  an offset from the cell, a `$` one stays as written; a function name is in capitals without
  Excel's `_xlfn.`/`_xlws.` prefixes; spaces are dropped and text in quotes is kept exactly. A
  formula filled down a column has one relative key in every cell of the column.
- its same key (`seen_from`): the relative key seen from its cell, each reference as the cells it
  points at. Two formulas *of one cell* with one same key compute the same thing from the same
  cells: `$A$1`, `A1` and `Sheet1!A1` in Sheet1!B2 are one reference. Everything else, the order
  of terms and a name for the cell it names included, counts as written: `=A1+B1` and `=B1+A1`
  differ.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from sheetnet import limits
from sheetnet.book import Book, Cell, cell_address, column_letter
from sheetnet.cells import patterns
from sheetnet.formula import FormulaError, read_reference
from sheetnet.status import jsonable

Key = tuple[Hashable, ...]

# difflib's matching takes time quadratic in the tokens (a formula of 200 terms took 2.7 s, 800 took
# 33 s): a longer formula is marked from both ends, its differing middle as one change
FINE_TOKENS = 200
# Relative keys by what decides them: pattern, digits (a relative row as its offset), sheet, column.
_RELATIVE_KEYS: dict[tuple[str, tuple[int | str, ...], str, int], Key] = {}
_RELATIVE_KEYS_KEPT = 4096
_RANGE, _TEXT, _OPEN = "RANGE", "TEXT", "OPEN"  # openpyxl's subtypes of a reference, a text, a call


@dataclass(frozen=True)
class Difference:
    """One cell that differs: in value, or (`what="formula"`) in formula, `a` and `b` then the formulas."""

    sheet: str
    row: int
    col: int
    a: Any
    b: Any
    what: str = "value"  # or "formula"
    follows_from: str | None = None  # a value's formula change (`Sheet1!Z36:Z67`), if it depends on one

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
        if self.what == "value":
            data["follows_from"] = self.follows_from
        return data


@dataclass(frozen=True)
class FormulaChange:
    """A rectangle of cells whose formulas changed the same way: one formula filled down or across.

    `a` and `b` are its first cell's formulas (None where that cell holds none: then `a_value` or
    `b_value` is what it holds, a typed number or nothing).
    """

    sheet: str
    top: int
    left: int
    bottom: int
    right: int
    a: str | None
    b: str | None
    a_value: Any = None
    b_value: Any = None

    @property
    def cells(self) -> int:
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)

    @property
    def range(self) -> str:
        """`Z36:Z67`, or `Z36` for one cell."""
        first = f"{column_letter(self.left)}{self.top}"
        return first if self.cells == 1 else f"{first}:{column_letter(self.right)}{self.bottom}"

    @property
    def address(self) -> str:
        """`Sheet1!Z36:Z67`, the sheet's name quoted when it needs to be."""
        return cell_address(self.sheet, self.top, self.left).rsplit("!", 1)[0] + "!" + self.range

    def marked(self) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
        """The first cell's two formulas as pieces (text, differs), token by token.

        Tokens both formulas have are pieces of their own; a run of tokens that differ is one
        piece marked True, empty where the other formula has tokens this one lacks.
        """
        if self.a is None or self.b is None:
            return [(self.a or "", True)], [(self.b or "", True)]
        a = keyed_tokens(self.a, self.sheet, self.top, self.left)
        b = keyed_tokens(self.b, self.sheet, self.top, self.left)
        keys_a, keys_b = [t.same for t in a], [t.same for t in b]
        if max(len(a), len(b)) <= FINE_TOKENS:
            spans = _spans(difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes())
        else:
            spans = _coarse_spans(keys_a, keys_b)
        pieces_a: list[tuple[str, bool]] = [("=", False)]
        pieces_b: list[tuple[str, bool]] = [("=", False)]
        for equal, (i1, i2), (j1, j2) in spans:
            if equal:
                pieces_a += [(t.text, False) for t in a[i1:i2]]
                pieces_b += [(t.text, False) for t in b[j1:j2]]
            else:
                pieces_a.append(("".join(t.text for t in a[i1:i2]), True))
                pieces_b.append(("".join(t.text for t in b[j1:j2]), True))
        return pieces_a, pieces_b

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "range": self.range, "a": self.a, "b": self.b, "cells": self.cells}


@dataclass
class DiffResult:
    """What `diff_books` found: every cell that differs (a formula change or a value), in cell
    order, and the formula changes grouped as they were filled."""

    a: Book
    b: Book
    differences: list[Difference]
    sheets_only_in_a: list[str]
    sheets_only_in_b: list[str]
    compared: int
    formula_changes: list[FormulaChange] = field(default_factory=list)
    # Without `formulas`: value differences in cells whose formulas differ too (a hint to compare them).
    formulas_also_differ: int = 0

    @property
    def equal(self) -> bool:
        return not (self.differences or self.sheets_only_in_a or self.sheets_only_in_b)

    @property
    def values(self) -> list[Difference]:
        """The value differences that follow from no formula change, in cell order."""
        return [d for d in self.differences if d.what == "value" and d.follows_from is None]

    @property
    def following(self) -> list[Difference]:
        """The value differences that follow from a formula change."""
        return [d for d in self.differences if d.follows_from is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "differences": [d.to_json() for d in self.differences],
            "formula_changes": [c.to_json() for c in self.formula_changes],
            "sheets_only_in_a": self.sheets_only_in_a,
            "sheets_only_in_b": self.sheets_only_in_b,
            "compared": self.compared,
            "equal": self.equal,
        }


def diff_books(a: Book, b: Book, *, rtol: float = 1e-9, atol: float = 1e-12, formulas: bool = False) -> DiffResult:
    """Compare two workbooks cell by cell, sheets matched by name, in `a`'s sheet order.

    With `formulas`, formulas are compared too, grouped into `FormulaChange`s, and each value
    difference that depends on one says which (`Difference.follows_from`).
    """
    differences: list[Difference] = []
    changed: dict[tuple[str, int, int], tuple[Cell | None, Cell | None, Hashable]] = {}
    also = 0
    compared = 0
    common = [s for s in a.sheets if s in b.cells]
    for sheet in common:
        cells_a, cells_b = a.cells[sheet], b.cells[sheet]
        for where in sorted(cells_a.keys() | cells_b.keys()):
            compared += 1
            ca, cb = cells_a.get(where), cells_b.get(where)
            va, vb = (ca.value if ca else None), (cb.value if cb else None)
            fa, fb = (ca.formula if ca else None), (cb.formula if cb else None)
            row, col = where
            same_value = _same_value(va, vb, rtol, atol)
            fill = formula_change(fa, fb, sheet, row, col) if formulas or not same_value else None
            if fill is not None:
                if formulas:
                    differences.append(Difference(sheet, row, col, fa, fb, "formula"))
                    changed[(sheet, row, col)] = (ca, cb, fill)
                    continue
                also += 1
            if not same_value:
                differences.append(Difference(sheet, row, col, va, vb))
    changes = group_formula_changes(changed, common)
    if changes and any(d.what == "value" for d in differences):
        differences = _with_causes(differences, changes, b)
    return DiffResult(
        a,
        b,
        differences,
        [s for s in a.sheets if s not in b.cells],
        [s for s in b.sheets if s not in a.cells],
        compared,
        changes,
        also,
    )


def formula_change(a: str | None, b: str | None, sheet: str, row: int, col: int) -> Hashable | None:
    """None if the cell's two formulas (None: no formula) compute the same thing from the same cells,
    case, spaces, `$` and Excel's `_xlfn.` prefixes aside (their same keys); else the change
    in R1C1 form, the same in every cell the two formulas were filled into."""
    if a == b:
        return None
    key_a = relative_key(a, sheet, row, col) if a is not None else None
    key_b = relative_key(b, sheet, row, col) if b is not None else None
    if key_a is not None and key_b is not None and alike_in_cell(key_a, key_b, row, col):
        return None
    return (key_a, key_b)


@dataclass(frozen=True)
class FormulaToken:
    """One token of a formula in its cell: its text, its same key and its relative key."""

    text: str
    same: Hashable
    relative: Hashable


def keyed_tokens(formula: str, sheet: str, row: int, col: int) -> list[FormulaToken]:
    """The tokens of the formula of cell (row, col) of `sheet`, spaces left out, with their keys.

    A formula the tokenizer cannot read is one token, compared as its text without case and spaces.
    """
    try:
        read = patterns.formula_tokens(formula)
    except FormulaError:
        text = ("text", "".join(formula.upper().split()))
        return [FormulaToken(formula.removeprefix("="), text, text)]
    keyed = []
    for kind, subtype, value in read:
        relative = _token_key(kind, subtype, value, sheet, row, col)
        keyed.append(FormulaToken(value, _seen_from(relative, row, col), relative))
    return keyed


def relative_key(formula: str, sheet: str, row: int, col: int) -> Key:
    """The formula of cell (row, col) of `sheet` in R1C1 form: one key in every cell it was filled into."""
    pattern, digits = patterns.split(formula)
    if pattern is None:
        return tuple(t.relative for t in keyed_tokens(formula, sheet, row, col))
    # The formula, told apart from every other by its pattern and digits (as written: `"ID007"` is
    # not `"ID7"`), with each relative row as its offset from the cell: a filled column is one entry.
    filled = tuple(int(d) - row if relative else d for d, relative in zip(digits, pattern.roles, strict=True))
    lookup = (pattern.text, filled, sheet, col)
    key = _RELATIVE_KEYS.get(lookup)
    if key is None:
        if len(_RELATIVE_KEYS) >= _RELATIVE_KEYS_KEPT:
            _RELATIVE_KEYS.clear()
        key = _RELATIVE_KEYS[lookup] = tuple(t.relative for t in keyed_tokens(formula, sheet, row, col))
    return key


def seen_from(key: Key, row: int, col: int) -> Key:
    """A relative key as its same key in the cell (row, col)."""
    return tuple(_seen_from(token, row, col) for token in key)


def alike_in_cell(a: Key, b: Key, row: int, col: int) -> bool:
    """Whether two relative keys have one same key in the cell (row, col), without making them."""
    return len(a) == len(b) and all(
        x == y or _seen_from(x, row, col) == _seen_from(y, row, col) for x, y in zip(a, b, strict=True)
    )


def _token_key(kind: str, subtype: str, value: str, sheet: str, row: int, col: int) -> Hashable:
    if subtype == _RANGE:
        reference = read_reference(value)
        if reference is None:
            return ("name", value.upper())
        corners = tuple(
            (
                None if c.row is None else ("$", c.row) if c.row_absolute else ("", c.row - row),
                None if c.col is None else ("$", c.col) if c.col_absolute else ("", c.col - col),
            )
            for c in reference.corners
        )
        return ("ref", (reference.sheet or sheet).casefold(), *corners)
    if subtype == _TEXT:
        return ("text", value)
    if kind == "FUNC" and subtype == _OPEN:
        return ("func", value.upper().removeprefix("_XLFN.").removeprefix("_XLWS."))
    return (kind, value.upper())


def _seen_from(token: Hashable, row: int, col: int) -> Hashable:
    """A token's relative key as its same key in the cell (row, col): a reference as its sheet and
    the rectangle it covers."""
    if not (isinstance(token, tuple) and token[0] == "ref"):
        return token
    sheet, corners = token[1], token[2:]
    rows = [r[1] if r[0] == "$" else r[1] + row for r, _ in corners if r is not None] or [1, limits.SHEET_ROWS]
    cols = [c[1] if c[0] == "$" else c[1] + col for _, c in corners if c is not None] or [1, limits.SHEET_COLUMNS]
    return ("ref", sheet, min(rows), min(cols), max(rows), max(cols))


def group_formula_changes(
    changed: dict[tuple[str, int, int], tuple[Cell | None, Cell | None, Hashable]], sheets: list[str]
) -> list[FormulaChange]:
    """The changed cells, each with its cells and its change (`formula_change`), as rectangles of one
    change each, in sheet order, then by their first cell."""
    by_fill: dict[tuple[str, Hashable], list[tuple[int, int]]] = {}
    for (sheet, row, col), (_, _, fill) in changed.items():
        by_fill.setdefault((sheet, fill), []).append((row, col))
    order = {sheet: i for i, sheet in enumerate(sheets)}
    rectangles = sorted(
        ((sheet, *rect) for (sheet, _), cells in by_fill.items() for rect in _rectangles(cells)),
        key=lambda r: (order[r[0]], r[1], r[2]),
    )
    changes = []
    for sheet, top, left, bottom, right in rectangles:
        ca, cb, _ = changed[(sheet, top, left)]
        changes.append(
            FormulaChange(
                sheet,
                top,
                left,
                bottom,
                right,
                ca.formula if ca else None,
                cb.formula if cb else None,
                ca.value if ca else None,
                cb.value if cb else None,
            )
        )
    return changes


def _coarse_spans(a: list[Hashable], b: list[Hashable]) -> list[tuple[bool, tuple[int, int], tuple[int, int]]]:
    """The tokens both formulas start with, those they end with, and all between as one change:
    linear in the formulas' length, for formulas too long for difflib (see `FINE_TOKENS`)."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[len(a) - 1 - end] == b[len(b) - 1 - end]:
        end += 1
    spans = [(True, (0, start), (0, start)), (False, (start, len(a) - end), (start, len(b) - end))]
    spans.append((True, (len(a) - end, len(a)), (len(b) - end, len(b))))
    return [span for span in spans if span[1][0] < span[1][1] or span[2][0] < span[2][1]]


def _spans(opcodes: list[tuple[str, int, int, int, int]]) -> list[tuple[bool, tuple[int, int], tuple[int, int]]]:
    """difflib's opcodes as (equal, span in a, span in b), with one token kept between an insertion
    and a deletion taken into the change: `=A1+B1` → `=B1+A1` reads as one change, not as `B1+`
    put before `A1` and `+B1` taken after it."""
    spans = [(op == "equal", (i1, i2), (j1, j2)) for op, i1, i2, j1, j2 in opcodes]
    for k in range(1, len(spans) - 1):
        equal, (i1, i2), _ = spans[k]
        before, after = spans[k - 1], spans[k + 1]
        lopsided = any(span[1][0] == span[1][1] or span[2][0] == span[2][1] for span in (before, after))
        if equal and i2 - i1 == 1 and not before[0] and not after[0] and lopsided:
            spans[k] = (False, *spans[k][1:])
    merged: list[tuple[bool, tuple[int, int], tuple[int, int]]] = []
    for equal, span_a, span_b in spans:
        if merged and not equal and not merged[-1][0]:
            merged[-1] = (False, (merged[-1][1][0], span_a[1]), (merged[-1][2][0], span_b[1]))
        else:
            merged.append((equal, span_a, span_b))
    return merged


def _rectangles(cells: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cells (row, col) as rectangles (top, left, bottom, right): runs down each column, then runs
    of the same rows in neighbouring columns side by side."""
    runs: list[tuple[int, int, int]] = []  # top, bottom, col
    for row, col in sorted(cells, key=lambda rc: (rc[1], rc[0])):
        if runs and runs[-1][2] == col and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row, col)
        else:
            runs.append((row, row, col))
    rectangles: list[tuple[int, int, int, int]] = []
    for top, bottom, col in sorted(runs):
        last = rectangles[-1] if rectangles else None
        if last is not None and (last[0], last[2], last[3]) == (top, bottom, col - 1):
            rectangles[-1] = (top, last[1], bottom, col)
        else:
            rectangles.append((top, col, bottom, col))
    return rectangles


def _with_causes(differences: list[Difference], changes: list[FormulaChange], b: Book) -> list[Difference]:
    """Each value difference that depends on a formula change, marked with the change's address."""
    from sheetnet.cells.dependents import Dependents

    sheet_index = {sheet: i for i, sheet in enumerate(b.sheets)}
    seeds = (
        ((sheet_index[c.sheet], row, col), n)
        for n, c in enumerate(changes)
        for row in range(c.top, c.bottom + 1)
        for col in range(c.left, c.right + 1)
    )
    cause = Dependents(b).reach(seeds)
    addresses = [c.address for c in changes]
    marked = []
    for d in differences:
        n = cause.get((sheet_index[d.sheet], d.row, d.col)) if d.what == "value" else None
        marked.append(d if n is None else Difference(d.sheet, d.row, d.col, d.a, d.b, d.what, addresses[n]))
    return marked


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


__all__ = [
    "DiffResult",
    "Difference",
    "FormulaChange",
    "FormulaToken",
    "diff_books",
    "formula_change",
    "group_formula_changes",
    "jsonable",
    "keyed_tokens",
    "relative_key",
    "seen_from",
]
