"""What a formula refers to, read with openpyxl's tokenizer, for comparing formulas and tracing them.

Three readings of a formula in its cell, one per job of `diff`:

- `relative_key`: the formula as a spreadsheet fills it (R1C1 form). A relative row or column is
  an offset from the cell, a `$` one stays as written; a function name is in capitals without
  Excel's `_xlfn.`/`_xlws.` prefixes; spaces are dropped and text in quotes is kept exactly. A
  formula filled down a column has one relative key in every cell of the column.
- `same_key`: the relative key seen from its cell, each reference as the cells it points at. Two
  formulas *of one cell* with one same key compute the same thing from the same cells: `$A$1`,
  `A1` and `Sheet1!A1` in Sheet1!B2 are one reference. Everything else, the order of terms
  included, counts as written: `=A1+B1` and `=B1+A1` differ.
- `Precedents`: the cells and ranges a formula reads, each an `Area` of a sheet the workbook has.

Tokenizing is the slow part (about 60 µs for a long formula). A formula's *pattern* is its text
with the digits that follow a letter or `$` (row numbers, mostly) replaced by holes: a column of
filled formulas has one pattern, tokenized once, and each formula fills the holes with its own
digits.

A defined name of one cell (`lr`) reads that cell; other names, references into other workbooks
(`[1]Sheet1!A1`) and across sheets (`Sheet1:Sheet3!A1`) read nothing that can be traced here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable
from dataclasses import dataclass

MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

Area = tuple[str, int, int, int, int]  # sheet, top, left, bottom, right (1-based, inclusive)
Key = tuple[Hashable, ...]

_ROW_DIGITS = re.compile(r"(?<=[A-Za-z$])[0-9]+")
_HOLE = "\x00"  # XML text cannot hold it, so no formula does
_HOLE_ROW = 0  # the row of a corner, in a pattern, whose digits are a hole
_CORNER = re.compile(r"^(\$?)([A-Za-z]{1,3})?(\$?)([0-9]+|\x00)?$")
_RANGE, _TEXT, _FUNCTION = "range", "text", "function"  # kinds of token; the others keep openpyxl's type
# Relative keys by what decides them: pattern, digits (a relative row as its offset), sheet, column.
_RELATIVE_KEYS: dict[tuple[str, tuple[int | str, ...], str, int], Key] = {}
_RELATIVE_KEYS_KEPT = 4096


@dataclass(frozen=True)
class FormulaToken:
    """One token of a formula in its cell: its text, its same key and its relative key."""

    text: str
    same: Hashable
    relative: Hashable


@dataclass(frozen=True)
class _Corner:
    """One corner of a reference: a column, a row or both, each relative or `$`-absolute."""

    col: int | None
    col_absolute: bool
    row: int | None
    row_absolute: bool


@dataclass(frozen=True)
class _Reference:
    """A reference as written: the sheet it names (None: the formula's own) and one or two corners."""

    sheet: str | None
    corners: tuple[_Corner, ...]

    def area(self, own_sheet: str) -> Area:
        """The cells it points at; a whole column runs over every row, a whole row over every column."""
        first, last = self.corners[0], self.corners[-1]
        cols = [c for c in (first.col, last.col) if c is not None] or [1, MAX_COLUMN]
        rows = [r for r in (first.row, last.row) if r is not None] or [1, MAX_ROW]
        return (self.sheet or own_sheet, min(rows), min(cols), max(rows), max(cols))

    def relative(self, own_sheet: str, row: int, col: int) -> Key:
        """Its relative key, seen from the cell (row, col)."""
        corners = tuple(
            (
                None if c.row is None else ("$", c.row) if c.row_absolute else ("", c.row - row),
                None if c.col is None else ("$", c.col) if c.col_absolute else ("", c.col - col),
            )
            for c in self.corners
        )
        return ("ref", (self.sheet or own_sheet).casefold(), *corners)


def tokens(formula: str, sheet: str, row: int, col: int) -> list[FormulaToken]:
    """The tokens of the formula of cell (row, col) of `sheet`, spaces left out, with their keys.

    A formula the tokenizer cannot read is one token, compared as its text without case and spaces.
    """
    raw = _raw_tokens(formula)
    if raw is None:
        text = ("text", "".join(formula.upper().split()))
        return [FormulaToken(formula.removeprefix("="), text, text)]
    read = []
    for kind, value in raw:
        relative = _token_key(kind, value, sheet, row, col)
        read.append(FormulaToken(value, _seen_from(relative, row, col), relative))
    return read


def relative_key(formula: str, sheet: str, row: int, col: int) -> Key:
    """The formula of cell (row, col) of `sheet` in R1C1 form: one key in every cell it was filled into."""
    pattern = _ROW_DIGITS.sub(_HOLE, formula)
    roles = _hole_roles(pattern) if _HOLE not in formula else None
    if roles is None:
        return tuple(t.relative for t in tokens(formula, sheet, row, col))
    digits = _ROW_DIGITS.findall(formula)
    # The formula, told apart from every other by its pattern and digits (as written: `"ID007"` is
    # not `"ID7"`), with each relative row as its offset from the cell: a filled column is one entry.
    filled = tuple(int(d) - row if relative else d for d, relative in zip(digits, roles, strict=True))
    lookup = (pattern, filled, sheet, col)
    key = _RELATIVE_KEYS.get(lookup)
    if key is None:
        if len(_RELATIVE_KEYS) >= _RELATIVE_KEYS_KEPT:
            _RELATIVE_KEYS.clear()
        key = _RELATIVE_KEYS[lookup] = tuple(t.relative for t in tokens(formula, sheet, row, col))
    return key


def same_key(formula: str, sheet: str, row: int, col: int) -> Key:
    """What the formula of cell (row, col) computes from which cells: its relative key, seen from the cell."""
    return seen_from(relative_key(formula, sheet, row, col), row, col)


def seen_from(key: Key, row: int, col: int) -> Key:
    """A relative key as its same key in the cell (row, col)."""
    return tuple(_seen_from(token, row, col) for token in key)


def alike_in_cell(a: Key, b: Key, row: int, col: int) -> bool:
    """Whether two relative keys have one same key in the cell (row, col), without making them."""
    return len(a) == len(b) and all(
        x == y or _seen_from(x, row, col) == _seen_from(y, row, col) for x, y in zip(a, b, strict=True)
    )


# A reference in a pattern, ready to take a formula's digits: its sheet (None: the formula's own),
# then the left column, top row and the hole it comes from (-1: the row as written), and the same
# of the right column and bottom row.
_Plan = tuple[str | None, int, int, int, int, int, int]


class Precedents:
    """Reads the cells each formula of one workbook reads: `reader(formula, sheet)` → its areas.

    Each pattern is tokenized once and its references planned once; a formula of a known pattern
    then costs two regular-expression passes and a little arithmetic per reference.
    """

    def __init__(self, sheets: list[str], names: dict[str, tuple[str, int, int]]) -> None:
        self._sheets = {s.casefold(): s for s in sheets}
        self._names = names
        self._plans: dict[str, tuple[list[_Plan], list[tuple[int, str]]] | None] = {}

    def __call__(self, formula: str, sheet: str) -> list[Area]:
        if _HOLE in formula:  # no workbook's formula can hold it; nothing it reads is traced
            return []
        pattern = _ROW_DIGITS.sub(_HOLE, formula)
        if pattern in self._plans:
            planned = self._plans[pattern]
        else:
            planned = self._plans[pattern] = self._plan(pattern)
        if planned is None:  # a pattern whose holes cannot be told apart: read the formula as written
            raw = _raw_tokens(formula) or []
            return [a for a in (self._area(v, sheet) for kind, v in raw if kind == _RANGE) if a is not None]
        plans, others = planned
        digits = _ROW_DIGITS.findall(formula) if _HOLE in pattern else []
        areas: list[Area] = []
        for name, left, top, top_hole, right, bottom, bottom_hole in plans:
            if top_hole >= 0:
                top = int(digits[top_hole])
            if bottom_hole >= 0:
                bottom = int(digits[bottom_hole])
            if top > bottom:
                top, bottom = bottom, top
            areas.append((name or sheet, top, left, bottom, right))
        for first_hole, text in others:  # names, and references whose sheet's name has digits
            area = self._area(_fill(text, digits, first_hole), sheet)
            if area is not None:
                areas.append(area)
        return areas

    def _plan(self, pattern: str) -> tuple[list[_Plan], list[tuple[int, str]]] | None:
        read = _pattern_tokens(pattern)
        if read is None:
            return None
        plans: list[_Plan] = []
        others: list[tuple[int, str]] = []
        for kind, value, first_hole in read:
            if kind != _RANGE:
                continue
            reference = _parse_reference(value)
            if reference is None or _HOLE in (reference.sheet or ""):
                others.append((first_hole, value))
                continue
            name = None
            if reference.sheet is not None:
                name = self._sheets.get(reference.sheet.casefold())
                if name is None:
                    continue  # a sheet the workbook does not have
            cols = sorted(c.col for c in reference.corners if c.col is not None) or [1, MAX_COLUMN]
            ends: list[tuple[int, int]] = []  # (row as written, hole) of the first and last corner
            hole = first_hole
            for corner in reference.corners:
                if corner.row is None:
                    ends.append((MAX_ROW if ends else 1, -1))
                elif corner.row == _HOLE_ROW:
                    ends.append((0, hole))
                    hole += 1
                else:
                    ends.append((corner.row, -1))
            last = ends[-1]
            plans.append((name, cols[0], *ends[0], cols[-1], *last))
        return plans, others

    def _area(self, text: str, sheet: str) -> Area | None:
        reference = _parse_reference(text)
        if reference is not None:
            own = self._sheets.get((reference.sheet or sheet).casefold())
            return reference.area(own) if own is not None else None
        named = self._names.get(text.lower())
        if named is not None and named[0].casefold() in self._sheets:
            return (self._sheets[named[0].casefold()], named[1], named[2], named[1], named[2])
        return None


def _token_key(kind: str, value: str, sheet: str, row: int, col: int) -> Hashable:
    if kind == _RANGE:
        reference = _parse_reference(value)
        return ("name", value.upper()) if reference is None else reference.relative(sheet, row, col)
    if kind == _TEXT:
        return ("text", value)
    if kind == _FUNCTION:
        return ("func", value.upper().removeprefix("_XLFN.").removeprefix("_XLWS."))
    return (kind, value.upper())


def _seen_from(token: Hashable, row: int, col: int) -> Hashable:
    """A token's relative key as its same key in the cell (row, col): a reference as its sheet and
    the rectangle it covers."""
    if not (isinstance(token, tuple) and token[0] == "ref"):
        return token
    sheet, corners = token[1], token[2:]
    rows = [r[1] if r[0] == "$" else r[1] + row for r, _ in corners if r is not None] or [1, MAX_ROW]
    cols = [c[1] if c[0] == "$" else c[1] + col for _, c in corners if c is not None] or [1, MAX_COLUMN]
    return ("ref", sheet, min(rows), min(cols), max(rows), max(cols))


@functools.lru_cache(maxsize=4096)
def _pattern_tokens(pattern: str) -> tuple[tuple[str, str, int], ...] | None:
    """A pattern's (or formula's) tokens as (kind, text, holes before it), spaces left out; None if
    openpyxl cannot tokenize it or a hole fell outside every token."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        items = Tokenizer(pattern).items
    except Exception:  # openpyxl's TokenizerError, or worse, for a formula it cannot read
        return None
    read: list[tuple[str, str, int]] = []
    holes = 0
    for token in items:
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            kind = _RANGE
        elif token.type == Token.OPERAND and token.subtype == Token.TEXT:
            kind = _TEXT
        elif token.type == Token.FUNC and token.subtype == Token.OPEN:
            kind = _FUNCTION
        else:
            kind = token.type
        if kind != Token.WSPACE:
            read.append((kind, token.value, holes))
        holes += token.value.count(_HOLE)
    if holes != pattern.count(_HOLE):
        return None
    return tuple(read)


@functools.lru_cache(maxsize=4096)
def _hole_roles(pattern: str) -> tuple[bool, ...] | None:
    """For each hole of a pattern, whether it is the relative row of a reference (its digits count
    as an offset from the cell) rather than digits to take as written."""
    read = _pattern_tokens(pattern)
    if read is None:
        return None
    roles = [False] * pattern.count(_HOLE)
    for kind, value, first_hole in read:
        reference = _parse_reference(value) if kind == _RANGE and _HOLE in value else None
        if reference is None:
            continue
        hole = first_hole + value.rsplit("!", 1)[0].count(_HOLE) if "!" in value else first_hole
        for corner in reference.corners:
            if corner.row == _HOLE_ROW:
                roles[hole] = not corner.row_absolute
                hole += 1
    return tuple(roles)


def _raw_tokens(formula: str) -> list[tuple[str, str]] | None:
    """A formula's tokens as (kind, text), spaces left out, read through its pattern's tokens."""
    if _HOLE in formula:  # no workbook's formula can hold it
        return None
    pattern = _ROW_DIGITS.sub(_HOLE, formula)
    read = _pattern_tokens(pattern)
    if read is None:
        direct = _pattern_tokens(formula)
        return None if direct is None else [(kind, value) for kind, value, _ in direct]
    digits = _ROW_DIGITS.findall(formula)
    return [(kind, _fill(value, digits, first)) for kind, value, first in read]


def _fill(text: str, digits: list[str], first_hole: int) -> str:
    """A pattern's token with its holes filled by the formula's digits, from the `first_hole`th on."""
    if _HOLE not in text:
        return text
    pieces = text.split(_HOLE)
    filled = digits[first_hole : first_hole + len(pieces) - 1]
    return "".join(p + d for p, d in zip(pieces, [*filled, ""], strict=True))


@functools.lru_cache(maxsize=65536)
def _parse_reference(text: str) -> _Reference | None:
    """`'It 0'!$A$1:B2`, `C3`, `A:A` or `1:3` as a reference; None for a name or what cannot be traced.

    In a pattern, a row that is a hole reads as `_HOLE_ROW`.
    """
    sheet: str | None = None
    if "!" in text:
        sheet, text = text.rsplit("!", 1)
        if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:
            sheet = sheet[1:-1].replace("''", "'")
        elif "'" in sheet:
            return None
        if not sheet or sheet.startswith("[") or ":" in sheet:  # another workbook, or a 3-D reference
            return None
    parts = text.split(":")
    if len(parts) > 2:
        return None
    corners: list[_Corner] = []
    for part in parts:
        match = _CORNER.match(part)
        if match is None:
            return None
        col_dollar, letters, row_dollar, digits = match.groups()
        if letters is None and col_dollar:  # `$3`: the `$` belongs to the row
            col_dollar, row_dollar = "", "$"
        col = _column_number(letters) if letters else None
        row = None if not digits else _HOLE_ROW if digits == _HOLE else int(digits)
        if (col is not None and col > MAX_COLUMN) or (row is not None and digits != _HOLE and not 1 <= row <= MAX_ROW):
            return None
        corners.append(_Corner(col, bool(col_dollar), row, bool(row_dollar)))
    whole = [(c.col is None, c.row is None) for c in corners]
    if len(corners) == 1 and whole[0] != (False, False):
        return None  # a lone `A` or `3` is a name, not a reference
    if len(corners) == 2 and whole[0] != whole[1]:
        return None  # `A1:B` is nothing
    return _Reference(sheet, tuple(corners))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


__all__ = [
    "MAX_COLUMN",
    "MAX_ROW",
    "Area",
    "FormulaToken",
    "Key",
    "Precedents",
    "alike_in_cell",
    "relative_key",
    "same_key",
    "seen_from",
    "tokens",
]
