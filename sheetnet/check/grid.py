"""A workbook's numbers, found by value, and the labels written beside them."""

from __future__ import annotations

import bisect
import copy
import functools
import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from sheetnet.book import Book, Cell, Pos
from sheetnet.cells.labels import label_token, labels_of
from sheetnet.check.thresholds import (
    FEWER_PLACES,
    FULL_ABSOLUTE,
    FULL_RELATIVE,
    PLACES,
    PLACES_SAMPLE,
    ROUNDED_UNITS,
    ROUNDING_SLACK,
)


def full_window(value: float) -> float:
    """How far a number at full precision may be from `value` and still be it."""
    return FULL_ABSOLUTE + FULL_RELATIVE * abs(value)


ERRORS = {"#DIV/0!", "#NUM!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NULL!"}


def same(a: float, b: float) -> bool:
    """Two numbers equal at full precision (η read from a sheet and η of the network)."""
    return abs(a - b) <= FULL_RELATIVE * max(abs(a), abs(b))


def agrees_exactly(cell: Cell, value: float, places: int = PLACES) -> bool:
    """True if `cell` holds `value` at full precision, or typed as its correct rounding (decimals
    counted as at least `places`, so that a typed 0 stands only for a number below 5·10⁻⁵)."""
    gap = abs(float(cell.value) - value)
    if gap <= full_window(value):
        return True
    decimals = cell.decimals
    return decimals is not None and gap <= 0.5 * 10.0 ** -max(decimals, places) * (1 + ROUNDING_SLACK)


@functools.cache
def rounding_window(places: int) -> float:
    """How far a number typed to `places` decimals may be from the value it stands for."""
    return 0.5 * 10.0**-places * (1 + ROUNDING_SLACK)


def window_terms(decimals: int | None, places: int = PLACES) -> tuple[float, float]:
    """How far a cell typed to `decimals` (None: at full precision) may be from a number x and still
    be judged it, as (a, b): within a + b·|x|. At full precision `full_window`'s; typed, `ROUNDED_UNITS`
    units of its last place (decimals counted as at least `places`) plus one unit per unit of |x|,
    as a rounding of a rounding, or a sum of rounded numbers, is a few units off."""
    if decimals is None:
        return FULL_ABSOLUTE, FULL_RELATIVE
    unit = 10.0 ** -max(decimals, places)
    return ROUNDED_UNITS * unit, unit


def typed_window(decimals: int | None, value: float, places: int = PLACES) -> float:
    """How far a cell typed to `decimals` may be from `value` and still be judged it (`window_terms`)."""
    a, b = window_terms(decimals, places)
    return a + b * abs(value)


def grid_of(book: Book) -> Grid:
    """The book's grid, made the first time it is asked for and kept with the book."""
    return book.kept("grid", Grid)


class Grid:
    """Every finite number of a workbook, by position and by value (sheet by sheet)."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.sheets = book.sheets
        self.cells: dict[Pos, Cell] = {}
        self.errors: dict[Pos, Cell] = {}  # formulas whose result is an error (#DIV/0!): no number
        self.places: list[int] = []  # per sheet, the decimals its numbers are typed to (4 at most)
        self._sorted: list[tuple[list[float], list[Pos]]] = []
        # the same numbers apart: those at full precision, found in a window of 10⁻⁹, and the
        # rounded ones, in the window of their rounding (a slow run's 26,000 results near 0.5
        # are not each compared with every number)
        self._full: list[tuple[list[float], list[Pos]]] = []
        self._rounded: list[tuple[list[float], list[Pos]]] = []
        self._labels = labels_of(book)  # what labels a cell: one rule, the reading's
        self._words: dict[Pos, set[str]] = {}
        self._tokens: dict[Pos, tuple[str, str]] = {}
        self._digits: dict[Pos, int] = {}
        self._texts: list[list[tuple[Pos, str]]] = []  # per sheet, its texts (errors shown too)
        for s, name in enumerate(book.sheets):
            numbers: list[tuple[float, Pos]] = []
            texts: list[tuple[Pos, str]] = []
            for (row, col), cell in book.cells[name].items():
                value = cell.value  # `cell.is_number`, for every cell of the book
                if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value)):
                    p = (s, row, col)
                    self.cells[p] = cell
                    numbers.append((float(value), p))
                    continue
                if value in ERRORS:
                    self.errors[(s, row, col)] = cell
                if isinstance(value, str):
                    texts.append(((s, row, col), value))
            self._texts.append(texts)
            _by_value(numbers)
            self._sorted.append(_columns(numbers))
            self._split(numbers)

    def _split(self, numbers: list[tuple[float, Pos]]) -> None:
        """The sheet's numbers at full precision and rounded apart, and the decimals it is typed to
        (each cell's decimals read once)."""
        full: list[tuple[float, Pos]] = []
        rounded: list[tuple[float, Pos]] = []
        typed: list[int] = []
        for v, p in numbers:
            cell = self.cells[p]
            decimals = cell.decimals
            if decimals is None:
                full.append((v, p))
            else:
                rounded.append((v, p))
                if decimals and cell.formula is None:
                    typed.append(decimals)
        self._full.append(_columns(full))
        self._rounded.append(_columns(rounded))
        self.places.append(_typed_places(typed))

    def matches(self, value: float, sheets: Iterable[int]) -> list[Pos]:
        """The cells on `sheets` that hold `value` exactly (see `agrees_exactly`), each sheet's
        typed numbers as the decimals it is typed to (the fewest of those sheets'), sheet by sheet
        in the order of value."""
        sheets = list(sheets)
        if not sheets or not math.isfinite(value):
            return []
        places = min(self.places[s] for s in sheets)
        out: list[Pos] = []
        for s in sheets:
            out += self.matches_on(value, s, places)
        return out

    def matches_on(self, value: float, s: int, places: int | None = None) -> list[Pos]:
        """`matches` on one sheet, its typed numbers as rounded to `places` (the sheet's own by
        default); `value` finite."""
        # a number at full precision agrees within its window (`agrees_exactly`); the cells are
        # sorted by value, then position, and so are those found
        exact = full_window(value)
        values = self._full[s][0]
        lo = bisect.bisect_left(values, value - exact)
        hi = bisect.bisect_right(values, value + exact, lo)
        typed = self._rounded[s][0]
        if not typed:
            return self._found(value, s, exact, lo, hi, 0, 0)
        if places is None:
            places = self.places[s]
        within = max(exact, rounding_window(places))
        typed_lo = bisect.bisect_left(typed, value - within)
        typed_hi = bisect.bisect_right(typed, value + within, typed_lo)
        return self._found(value, s, exact, lo, hi, typed_lo, typed_hi)

    def _found(self, value: float, s: int, exact: float, lo: int, hi: int, typed_lo: int, typed_hi: int) -> list[Pos]:
        """The cells of `matches_on`, from where its windows begin and end in the sheet's sorted
        numbers at full precision (lo, hi) and typed ones (typed_lo, typed_hi)."""
        values, positions = self._full[s]
        if hi == lo + 1:  # the common case: one cell, or none
            found = [positions[lo]] if abs(values[lo] - value) <= exact else []
        elif hi > lo:
            found = [p for v, p in zip(values[lo:hi], positions[lo:hi], strict=True) if abs(v - value) <= exact]
        else:
            found = []
        if typed_hi == typed_lo:
            return found
        values, positions = self._rounded[s]
        cells, places = self.cells, self.places[s]
        rounded = [
            (v, p)
            for v, p in zip(values[typed_lo:typed_hi], positions[typed_lo:typed_hi], strict=True)
            if agrees_exactly(cells[p], value, places)
        ]
        if not rounded:
            return found
        if found:  # the two, each sorted, as one
            rounded += [(float(cells[p].value), p) for p in found]
            rounded.sort()
        return [p for _, p in rounded]

    def matching(self, values: Iterable[float], s: int) -> dict[float, list[Pos]]:
        """`matches_on` for many finite numbers on sheet `s` at once: each number with a match,
        and the cells `matches_on` gives for it (a number with none is left out). Every window
        is searched for in one sorted search of them all (numpy's, with the same arithmetic and
        the same bounds as `bisect`'s), so that a run of 100,000 numbers costs little more than
        those a sheet holds."""
        import numpy  # as openpyxl does (already loaded by reading the book)

        queries = numpy.array(sorted(set(values)), dtype=float)
        exact = FULL_ABSOLUTE + FULL_RELATIVE * numpy.abs(queries)  # `full_window`, element by element
        lo, hi = _bounds(self._full[s][0], queries, exact)
        near = lo < hi
        if self._rounded[s][0]:
            within = numpy.maximum(exact, rounding_window(self.places[s]))
            typed_lo, typed_hi = _bounds(self._rounded[s][0], queries, within)
            near |= typed_lo < typed_hi
        else:
            typed_lo = typed_hi = numpy.zeros(len(queries), dtype=int)
        found = {}
        columns = (queries, exact, lo, hi, typed_lo, typed_hi)
        for value, window, a, b, c, d in zip(*(column[near].tolist() for column in columns), strict=True):
            cells = self._found(value, s, window, a, b, c, d)
            if cells:
                found[value] = cells
        return found

    def digits(self, p: Pos) -> int:
        """How many significant digits the number at `p` shows, typed to its decimals (0.25: 2)."""
        known = self._digits.get(p)
        if known is None:
            cell = self.cells[p]
            text = f"{abs(float(cell.value)):.{max(cell.decimals or 0, 0)}f}"
            known = self._digits[p] = len(text.replace(".", "").lstrip("0"))
        return known

    def without(self, gone: Callable[[Pos], bool], sheet: int) -> Grid:
        """The same grid with the cells of `sheet` that `gone` selects left out (a table judged)."""
        view = copy.copy(self)
        view.cells = {p: c for p, c in self.cells.items() if p[0] != sheet or not gone(p)}
        view.errors = {p: c for p, c in self.errors.items() if p[0] != sheet or not gone(p)}
        view._sorted, view._full, view._rounded = list(self._sorted), list(self._full), list(self._rounded)
        for lists in (view._sorted, view._full, view._rounded):
            values, positions = lists[sheet]
            kept = [(v, p) for v, p in zip(values, positions, strict=True) if p in view.cells]
            lists[sheet] = ([v for v, _ in kept], [p for _, p in kept])
        return view

    def agrees(self, p: Pos, value: float) -> bool:
        """`agrees_exactly` with the decimals the cell's sheet is typed to."""
        return agrees_exactly(self.cells[p], value, self.places[p[0]])

    def agrees_as_typed(self, p: Pos, value: float) -> bool:
        """True if the cell at `p` is `value` within `typed_window` (the decimals its sheet is
        typed to counted): what the judge accepts as that number."""
        cell = self.cells[p]
        return abs(float(cell.value) - value) <= typed_window(cell.decimals, value, self.places[p[0]])

    def held(self, p: Pos) -> Cell | None:
        """The cell at `p` if it holds a number or an error a formula gave."""
        return self.cells.get(p) or self.errors.get(p)

    def typed_text(self, p: Pos) -> Cell | None:
        """The cell at `p` if a text was typed in it (not a formula's)."""
        cell = self.book.cells[self.sheets[p[0]]].get((p[1], p[2]))
        typed = cell is not None and cell.formula is None and isinstance(cell.value, str) and cell.value.strip()
        return cell if typed else None

    def near(self, value: float, sheet: int, relative: float) -> list[Pos]:
        """The cells on `sheet` holding `value` to within `relative` of it (a number after a slip
        that has spread: close, not exact)."""
        values, positions = self._sorted[sheet]
        within = relative * abs(value)
        lo = bisect.bisect_left(values, value - within)
        hi = bisect.bisect_right(values, value + within)
        return positions[lo:hi]

    def numbers_on(self, sheet: int) -> list[Pos]:
        return self._sorted[sheet][1]

    def texts_on(self, sheet: int) -> list[tuple[Pos, str]]:
        """The texts of a sheet (an error a formula shows among them), each with its cell."""
        return self._texts[sheet]

    def text(self, p: Pos) -> str:
        """The text of the cell at `p` ('' for a number or an empty cell)."""
        if p[1] < 1 or p[2] < 1:
            return ""
        cell = self.book.cells[self.sheets[p[0]]].get((p[1], p[2]))
        return cell.value if cell is not None and isinstance(cell.value, str) else ""

    def header(self, p: Pos) -> str:
        """The label of a number's column (`cells.labels.Labels.header`)."""
        return self._labels.header(p)

    def column_label(self, p: Pos) -> str:
        """The nearest text above a cell in its column, however far (a table's header row)."""
        return self._labels.column_label(p)

    def row_label(self, p: Pos) -> str:
        """The label of a number's row (`cells.labels.Labels.row_label`)."""
        return self._labels.row_label(p)

    def labels(self, p: Pos) -> tuple[str, str]:
        """A number's row label and header as tokens (`label_token`), worked out once per cell."""
        found = self._tokens.get(p)
        if found is None:
            found = self._tokens[p] = (label_token(self.row_label(p)), label_token(self.header(p)))
        return found

    def words(self, p: Pos) -> set[str]:
        """Every word of a number's labels, as `element_word` writes names (`mean ∂L/∂W3_00` gives
        `mean` and `∂l/∂w300`)."""
        found = self._words.get(p)
        if found is None:
            texts = (self.row_label(p), self.header(p))
            found = self._words[p] = {element_word(w) for text in texts for w in text.split()} - {""}
        return found


def _bounds(sorted_values: list[float], queries: Any, window: Any) -> tuple[Any, Any]:
    """Where each query's window [query − window, query + window] begins and ends in
    `sorted_values`, as `bisect_left` and `bisect_right` find them (numpy arrays of floats)."""
    import numpy

    held = numpy.array(sorted_values, dtype=float)
    return (
        numpy.searchsorted(held, queries - window, side="left"),
        numpy.searchsorted(held, queries + window, side="right"),
    )


def _typed_places(typed: list[int]) -> int:
    """How many decimals a sheet's numbers are typed to, from the decimals of its typed numbers
    (those with some): 3 for a sheet typed to 3 places (most of its many typed numbers have 3),
    else 4 (a few typed inputs say nothing of it)."""
    if len(typed) < PLACES_SAMPLE:
        return PLACES
    return FEWER_PLACES if Counter(typed).most_common(1)[0][0] == FEWER_PLACES else PLACES


def _by_value(numbers: list[tuple[float, Pos]]) -> None:
    """Sorts (value, cell) pairs as tuples sort: by value, then cell. A sheet's cells come in
    reading order, so a stable sort by value alone gives the same order, without comparing
    tuples (checked: out of order, the tuples are compared)."""
    if all(a[1] < b[1] for a, b in itertools.pairwise(numbers)):
        numbers.sort(key=operator.itemgetter(0))
    else:
        numbers.sort()


def _columns(pairs: list[tuple[float, Pos]]) -> tuple[list[float], list[Pos]]:
    """(value, cell) pairs as a list of values and a list of cells."""
    return [v for v, _ in pairs], [p for _, p in pairs]


_REFERENCE = re.compile(r"^=\s*(?:(?P<sheet>'[^']+'|[\w.]+)!)?\$?[A-Za-z]{1,3}\$?\d+\s*$")


def copied_from(cell: Cell) -> str | None:
    """For a cell whose formula only reads one other cell (`=$B$8`, `=Work!L10`): the sheet it
    reads ('' for its own); None for any other cell."""
    match = _REFERENCE.match(cell.formula or "")
    return None if match is None else (match.group("sheet") or "").strip("'")


def element_word(text: str) -> str:
    """A name as one lowercase word without brackets, commas and underscores: `W2[0,1]`, `W2[01]`
    and `w2_01` are all `w201`."""
    return re.sub(r"[\[\],_ ]", "", text.lower())


_DERIVATIVE = re.compile(r"^(?:(?:∂|d)[a-z_]*/(?:∂|d)|e∂|δ|grad_?|d(?=[a-z]))(?P<of>[a-z][a-z_]*\d+)$")


def derivative_of(token: str) -> str | None:
    """`w3` for a header naming the derivative of the loss by w3: `∂e/∂w3`, `∂e_total/∂w3`, `e∂w3`, `dw3`."""
    match = _DERIVATIVE.match(token)
    return match.group("of") if match else None


_CHANGE = re.compile(r"^(?:delta_?|step_?|change_?|d|δ)(?P<of>[a-z][a-z_]*\d+)$")


def change_of(token: str) -> str | None:
    """`w3` for a header naming what a sheet adds to w3 in its update: `dw3`, `Δw3`, `delta_w3`,
    `step_w3` (a step column, η·∂E/∂w3 or its negative; `dw3` may as well be the gradient)."""
    match = _CHANGE.match(token)
    return match.group("of") if match else None
