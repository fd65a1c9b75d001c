"""`sheetnet diff` (two workbooks, cell by cell) and `sheetnet check` (a workbook against the run).

`check` finds every number of the run in a workbook of any layout by its value. It walks the
run in calculation order and, for each element, looks for a cell that holds either

- the true value (the run's), or
- the value that follows from the workbook's own earlier numbers (its "local" value: the same
  formula evaluated on the cells found so far), so that rounding carried forward is accepted.

Within the tolerance of how precisely the cell is written (see `Tolerance`). A cell that matches
neither may still be a *mismatch*: a number that sits where the quantity belongs (between its
neighbours in calculation order, or where the same element was in the previous iteration,
shifted as the layout shifts) and is close to the expected value (within 5 %, the sign flipped,
or two adjacent digits swapped). Cells that rightly hold some quantity are never taken as a slip
in another. A quantity with no such cell is *absent*: a workbook that stops early is
incomplete, not wrong.

A cell that matches its local value but not the true one, because an earlier number was a
mismatch, is reported as a mismatch that *follows* from the earlier one.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetnet.book import Book, Cell, cell_address, column_letter
from sheetnet.graph import Expr, Key, Ref
from sheetnet.net import CARRIED, PARAMETERS, UPDATE, Quantity
from sheetnet.status import ABSENT, FOLLOWS, FOUND, MISMATCH, SLIP
from sheetnet.trace import Trace

NEAR_RELATIVE = 0.05  # a wrong number within 5 % of the right one is a mismatch, not an unrelated cell
_FAR = 10**9

# ----------------------------------------------------------------------------------------- diff


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
        data = {"sheet": self.sheet, "cell": self.cell, "a": _jsonable(self.a), "b": _jsonable(self.b)}
        if self.what != "value":
            data["compared"] = self.what
        if self.delta is not None:
            data["difference"] = _jsonable(self.delta)
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


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    return str(v)


# ---------------------------------------------------------------------------------------- check


@dataclass(frozen=True)
class Tolerance:
    """How close a cell must be to count as the expected number.

    By default it depends on how the cell is written. A number rounded by hand to d decimals
    (d at least 4) is accepted within 5 units of its last place plus 10^-d of the value:
    5e-4 + 1e-4·|x| at 4 decimals. A formula's result, or a number typed with 10 or more
    significant digits, is at full precision: 1e-15 + 1e-9·|x|. `--rtol`/`--atol` replace both.
    """

    rtol: float | None = None
    atol: float | None = None

    @property
    def custom(self) -> bool:
        return self.rtol is not None or self.atol is not None

    def of(self, cell: Cell, expected: float) -> float:
        if self.custom:
            return (self.atol or 0.0) + (self.rtol or 0.0) * abs(expected)
        decimals = cell.decimals
        if decimals is None:
            return 1e-15 + 1e-9 * abs(expected)
        unit = 10.0 ** -max(decimals, 4)
        return 5 * unit + unit * abs(expected)

    def widest(self, expected: float) -> float:
        if self.custom:
            return (self.atol or 0.0) + (self.rtol or 0.0) * abs(expected)
        return 5e-4 + 1e-4 * abs(expected)

    def describe(self) -> str:
        if self.custom:
            return f"|found − expected| ≤ {self.atol or 0:g} + {self.rtol or 0:g}·|expected|"
        return "numbers rounded to 4 decimals within 5e-4 + 1e-4·|x|; full-precision numbers within 1e-9 relative"


@dataclass
class Element:
    """One number of the run, as `check` reports it."""

    t: int
    quantity: Quantity
    index: int
    key: Key
    expected: float
    status: str = ABSENT
    cell: Cell | None = None
    kind: str | None = None  # SLIP or FOLLOWS, for a mismatch
    local: float | None = None  # what the workbook's own earlier numbers give
    samples: int = 1

    @property
    def name(self) -> str:
        """`∂L/∂B1[0]`, `W2[1,0]` (the update), `W2[1,0] (used)` (the weight used in the forward pass)."""
        name = self.quantity.element_name(self.index)
        if self.quantity.role == CARRIED and self.quantity.section == PARAMETERS:
            name += " (used)"
        if self.key.s >= 0 and self.samples > 1:
            name += f" (sample {self.key.s + 1})"
        return name

    @property
    def group(self) -> str:
        """The quantity, as the per-quantity summary names it."""
        if self.quantity.section == UPDATE and self.quantity.name[0] in "WB":
            return f"{self.quantity.name} (after update)"
        if self.quantity.role == CARRIED and self.quantity.section == PARAMETERS:
            return f"{self.quantity.name} (used)"
        return self.quantity.name

    @property
    def found(self) -> float | None:
        return None if self.cell is None else float(self.cell.value)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "iteration": self.t,
            "quantity": self.name,
            "expected": _jsonable(self.expected),
            "status": self.status,
        }
        if self.cell is not None:
            data["found"] = _jsonable(self.found)
            data["cell"] = self.cell.address
        if self.kind is not None:
            data["kind"] = self.kind
        return data


@dataclass
class CheckResult:
    book: Book
    trace: Trace
    tolerance: Tolerance
    elements: list[Element]
    precision: dict[str, int] = field(default_factory=dict)
    unexplained: int = 0  # numbers in the workbook that no element of the run was found in

    @property
    def mismatches(self) -> list[Element]:
        return [e for e in self.elements if e.status == MISMATCH]

    @property
    def first_mismatch(self) -> Element | None:
        return next(iter(self.mismatches), None)

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.elements)

    def to_json(self) -> dict[str, Any]:
        first = self.first_mismatch
        return {
            "mismatches": [e.to_json() for e in self.mismatches],
            "found": self.count(FOUND),
            "absent": self.count(ABSENT),
            "total": len(self.elements),
            "unmatched_cells": self.unexplained,
            "first_mismatch": first.to_json() if first else None,
            "elements": [e.to_json() for e in self.elements],
        }


class _Recorder(Mapping[Key, float]):
    """The values an expression reads, noted as it reads them."""

    def __init__(self, values: dict[Key, float]) -> None:
        self.values = values
        self.read: list[Key] = []

    def __getitem__(self, key: Key) -> float:
        self.read.append(key)
        return self.values[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


Position = tuple[int, int, int]  # sheet index, row, column


class _Locator:
    """One pass over the run in calculation order, finding each element's cell."""

    def __init__(
        self,
        book: Book,
        trace: Trace,
        tolerance: Tolerance,
        *,
        explained: set[tuple[str, int, int]] | None = None,
        neighbours: list[Position | None] | None = None,
    ) -> None:
        self.trace = trace
        self.tolerance = tolerance
        self.sheet_index = {name: i for i, name in enumerate(book.sheets)}
        self.numbers = sorted(
            (c for c in book.numbers() if math.isfinite(float(c.value))), key=lambda c: float(c.value)
        )
        self.sorted_values = [float(c.value) for c in self.numbers]
        self.grid: dict[Position, Cell] = {self.pos(c): c for c in self.numbers}
        self.book = book
        self._labels: dict[Position, tuple[str, str]] = {}
        self.explained = explained  # None: do not look for mismatches (first pass)
        self.neighbours = neighbours
        self.claimed: dict[Position, Key] = {}  # cell → the element it holds
        self.last: Position | None = None
        self.last_n = -1  # the calculation-order index of the element found at `last`
        self.last_element: tuple[int, str, int] | None = None
        self.last_computed: Position | None = None  # the last cell found that is not a copy of an input
        self.positions: dict[tuple[str, int, int], dict[int, Position]] = {}
        self.stride: Position | None = None  # how far the layout moves from one iteration to the next
        self.strides: Counter[Position] = Counter()  # the moves seen in the current iteration
        self.strides_t = -1
        self.roots: dict[Key, Key] = {}  # a copied number (carried W, ∂L/∂B3 = Δ) → the number it copies

    def pos(self, cell: Cell) -> Position:
        return (self.sheet_index[cell.sheet], cell.row, cell.col)

    def elements(self) -> list[Element]:
        trace = self.trace
        local: dict[Key, float] = {}
        tainted: set[Key] = set()
        for quantity in trace.setup:
            local.update(zip(quantity.keys, quantity.inputs or (), strict=True))
        elements: list[Element] = []
        samples = len(trace.network.samples)
        for graph in trace.iterations:
            for quantity in graph.quantities:
                if _held_fixed(trace, quantity):
                    for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                        local[key] = expr.value(local)
                    continue
                for i, (key, expr) in enumerate(zip(quantity.keys, quantity.exprs or (), strict=True)):
                    reader = _Recorder(local)
                    local_value = expr.value(reader)
                    inputs_tainted = any(k in tainted for k in reader.read)
                    element = Element(graph.t, quantity, i, key, trace.values[key], local=local_value, samples=samples)
                    self.locate(element, len(elements), inputs_tainted, expr)
                    elements.append(element)
                    if element.cell is not None:
                        local[key] = element.found  # type: ignore[assignment]
                    else:
                        local[key] = local_value
                    if element.status == MISMATCH or (element.status == ABSENT and inputs_tainted):
                        tainted.add(key)
        return elements

    def locate(self, element: Element, n: int, inputs_tainted: bool, copy_of: Expr) -> None:
        updated = "'" if element.quantity.section == UPDATE else ""
        ident = (element.quantity.name + updated, element.key.s, element.index)
        history = self.positions.setdefault(ident, {})
        predicted = None
        if history and self.stride is not None:
            last_t = max(history)  # the layout repeats: step on from where it was last seen
            prev, k = history[last_t], element.t - last_t
            predicted = (prev[0] + k * self.stride[0], prev[1] + k * self.stride[1], prev[2] + k * self.stride[2])
        root = self.roots.get(copy_of.key, copy_of.key) if isinstance(copy_of, Ref) else element.key
        self.roots[element.key] = root
        sibling = element.index > 0 and self.last_element == (element.t, element.quantity.name, element.index - 1)
        name = _label_name(element.quantity.name)
        carried = element.quantity.role == CARRIED
        choice = None
        if predicted in self.grid:  # the predicted cell, if it agrees, wins: try it alone first
            only = [self.grid[predicted]]  # type: ignore[index]
            choice = self.best(
                self.candidates(element, bool(history), root, only), predicted, root, name, carried, sibling
            )
        if choice is None:
            choice = self.best(self.candidates(element, bool(history), root), predicted, root, name, carried, sibling)
        cell = None
        if choice is not None:
            cell, from_local = choice
            if from_local and inputs_tainted:
                element.status, element.kind = MISMATCH, FOLLOWS
            else:
                element.status = FOUND
        if cell is None and self.explained is not None:
            cell = self.near_miss(element, n, predicted)
            if cell is not None:
                element.status, element.kind, element.cell = MISMATCH, SLIP, cell
                self.claimed.setdefault(self.pos(cell), root)
            return  # a slip's cell says nothing certain about the layout
        if cell is None:
            return
        element.cell = cell
        p = self.pos(cell)
        copy = p in self.claimed or root.t < 0
        self.claimed.setdefault(p, root)
        self.last, self.last_n = p, n
        self.last_element = (element.t, element.quantity.name, element.index)
        if root.t >= 0:
            self.last_computed = p
        if element.t - 1 in history and not copy:
            # The most common move of this iteration: one number found in a wrong cell (a 0 among
            # many) does not mislead the predictions of the others.
            if element.t != self.strides_t:
                self.strides, self.strides_t = Counter(), element.t
            prev = history[element.t - 1]
            self.strides[(p[0] - prev[0], p[1] - prev[1], p[2] - prev[2])] += 1
            self.stride = self.strides.most_common(1)[0][0]
        history[element.t] = p

    def candidates(
        self, element: Element, seen: bool, root: Key, among: list[Cell] | None = None
    ) -> list[tuple[int, int, Cell]]:
        """Cells agreeing with the element's true value (source 0) or its local value (source 1)."""
        expected, local = element.expected, element.local
        candidates = [(tier, 0, cell) for tier, cell in self.matching(expected, among, root)]
        if local is not None and local != expected:
            # A rounded cell equal to a value computed from other rounded cells (Δ = ŷ − y) agrees
            # exactly by construction, not by evidence: count it as a correct rounding at most.
            candidates += [
                (max(tier, 1) if cell.decimals is not None else tier, 1, cell)
                for tier, cell in self.matching(local, among, root)
            ]
        if element.t > 0 and not seen:
            # Not found in any earlier iteration: only a number agreeing at full precision counts
            # (a rounded one may be a neighbouring quantity that happens to agree to 4 places).
            candidates = [c for c in candidates if c[0] == 0]
        return candidates

    def matching(
        self, value: float, among: list[Cell] | None = None, root: Key | None = None
    ) -> list[tuple[int, Cell]]:
        """The cells within tolerance of `value`, each with how well it agrees.

        0: at full precision; 1: `value` correctly rounded to the cell's decimals (at least 4);
        2: within the tolerance (rounding carried forward, or `--rtol`/`--atol`).
        """
        if not math.isfinite(value):
            return []
        if among is None:
            among = self.nearby(value, 1e-15 + 1e-9 * abs(value), root)  # agreeing at full precision
            close = self.tolerance.widest(value)
            if close > 1e-15 + 1e-9 * abs(value):
                exact = {id(c) for c in among}
                among += [c for c in self.nearby(value, close, root) if id(c) not in exact]
        out = []
        for cell in among:
            v = float(cell.value)
            gap = abs(v - value)
            if gap <= 1e-15 + 1e-9 * abs(value):
                out.append((0, cell))
            elif gap > self.tolerance.of(cell, value):
                continue
            elif cell.decimals is not None and gap <= 0.5 * 10.0 ** -max(cell.decimals, 4) * (1 + 1e-9):
                out.append((1, cell))
            elif v != 0:  # a typed 0 is evidence of a small number only as its correct rounding
                out.append((2, cell))
        return out

    def nearby(self, value: float, within: float, root: Key | None) -> list[Cell]:
        """The cells within `within` of `value`. Of a number written very many times (0, 1, or
        the small numbers of a long run), only the CROWD nearest the last cell found: only where
        it is says which is which, and a cell another number already holds is no candidate."""
        lo = bisect.bisect_left(self.sorted_values, value - within)
        hi = bisect.bisect_right(self.sorted_values, value + within)
        cells = self.numbers[lo:hi]
        if len(cells) <= CROWD or self.last is None:
            return cells
        anchor = self.last

        def rank(cell: Cell) -> tuple[bool, int]:
            holder = self.claimed.get(self.pos(cell))
            return holder is not None and holder != root, self.distance(self.pos(cell), anchor)

        return sorted(cells, key=rank)[:CROWD]

    def best(
        self,
        candidates: list[tuple[int, int, Cell]],
        predicted: Position | None,
        root: Key,
        name: str,
        carried: bool,
        follows_sibling: bool,
    ) -> tuple[Cell, bool] | None:
        """The best cell for an element, and whether it holds the local rather than the true value.

        Best means: agreeing most closely; then labelled with the quantity's name (`W1`, `O1 =`,
        `∂L/∂W2`) in its row or column; then unclaimed; then nearest to where the element
        belongs (the cell the layout predicts, else the next in reading order after the last
        cell found; for a copy of an input, from the top unless it follows its vector's previous
        element). A claimed cell is taken only if the
        element copies the number it holds (∂L/∂B3 = Δ; the weights used = the last update).
        A number that agrees only within the tolerance, not as a correct rounding, is taken only
        where the layout predicts the element: in a sheet of numbers rounded to 4 places, other
        cells agree that closely by chance. The predicted cell itself, if it agrees, comes first.
        """
        window = None if root.t < 0 else self.last_computed
        anchor = predicted or (_ORIGIN if root.t < 0 and not follows_sibling else self.last)
        choices = []
        for tier, source, cell in candidates:
            p = self.pos(cell)
            claimant = self.claimed.get(p)
            if claimant is not None and claimant != root:
                continue
            at_prediction = predicted is not None and p == predicted
            if tier == 2 and not at_prediction:
                continue
            if tier == 1 and not at_prediction and window is not None and not _within(p, window):
                continue
            near = self.distance(p, predicted) if predicted else self.reading_distance(p, anchor)
            ours = claimant is None if not carried else claimant == root
            labelled = name in self.labels(p)
            choices.append((not at_prediction, tier, not labelled, not ours, near, source, cell))
        if not choices:
            return None
        best = min(choices, key=lambda c: c[:6])
        return best[6], bool(best[5])

    def labels(self, p: Position) -> tuple[str, str]:
        """The label of a number's row (the nearest text to its left) and column (the nearest above)."""
        found = self._labels.get(p)
        if found is None:
            sheet = self.book.sheets[p[0]]
            cells = self.book.cells[sheet]
            row = next((cells[(p[1], c)].value for c in range(p[2] - 1, 0, -1) if _is_text(cells.get((p[1], c)))), "")
            col = next((cells[(r, p[2])].value for r in range(p[1] - 1, 0, -1) if _is_text(cells.get((r, p[2])))), "")
            found = self._labels[p] = (_label_name(row), _label_name(col))
        return found

    @staticmethod
    def distance(p: Position, anchor: Position | None) -> int:
        if anchor is None:
            return 0
        if p[0] != anchor[0]:
            return _FAR + abs(p[0] - anchor[0])
        return abs(p[1] - anchor[1]) + abs(p[2] - anchor[2])

    @staticmethod
    def reading_distance(p: Position, anchor: Position | None) -> int:
        """How far `p` comes after `anchor` reading row by row (cells before it count double)."""
        if anchor is None:
            return 0
        if p[0] != anchor[0]:
            return _FAR + abs(p[0] - anchor[0])
        d = (p[1] - anchor[1]) * 1000 + (p[2] - anchor[2])
        return d if d >= 0 else 1 - 2 * d

    def near_miss(self, element: Element, n: int, predicted: Position | None) -> Cell | None:
        """An unexplained number where this element belongs, close to what it should be."""
        assert self.explained is not None
        region: set[Position] = set()
        if predicted is not None:
            region.add(predicted)
        # Between the numbers found just before and just after it in calculation order, if those
        # are close: a few elements apart, on the same sheet, at most NEIGHBOUR_ROWS rows apart.
        before, after_n = self.last, None
        for m in range(n + 1, min(n + 1 + NEIGHBOUR_GAP, len(self.neighbours or []))):
            if (self.neighbours or [])[m] is not None:
                after_n = m
                break
        if before is not None and after_n is not None and n - self.last_n <= NEIGHBOUR_GAP:
            after = (self.neighbours or [])[after_n]
            assert after is not None
            if before[0] == after[0] and abs(before[1] - after[1]) < NEIGHBOUR_ROWS:
                region |= set(_box(before, after))
        targets = [element.expected] + ([element.local] if element.local is not None else [])
        found: list[tuple[float, Cell]] = []
        for p in region:
            cell = self.grid.get(p)
            if cell is None or p in self.claimed or (cell.sheet, cell.row, cell.col) in self.explained:
                continue
            closeness = min(_near(float(cell.value), t, cell) for t in targets if math.isfinite(t))
            if closeness < math.inf:
                found.append((closeness + self.distance(p, predicted or before) * 1e-9, cell))
        return min(found, key=lambda f: f[0])[1] if found else None


def _is_text(cell: Cell | None) -> bool:
    return cell is not None and isinstance(cell.value, str) and cell.value.strip() != ""


def _label_name(text: str) -> str:
    """`w1` for "W1 ←", "w1:", "W1 = …"; `o1` for "O1 = x·W1ᵀ + B1": a label's leading name."""
    text = text.strip().lower()
    for stop in (" ", "=", "←", ":", "\u2009"):
        text = text.split(stop, 1)[0]
    return text


_ORIGIN: Position = (0, 0, 0)
CROWD = 64
NEIGHBOUR_GAP, NEIGHBOUR_ROWS = 8, 4
MAX_PASSES = 4
WINDOW_ROWS, WINDOW_COLS = 6, 60


def _within(p: Position, anchor: Position) -> bool:
    return p[0] == anchor[0] and abs(p[1] - anchor[1]) <= WINDOW_ROWS and abs(p[2] - anchor[2]) <= WINDOW_COLS


def _box(a: Position, b: Position) -> Iterator[Position]:
    """The cells of the rectangle with corners a and b (on a's sheet)."""
    rows = range(min(a[1], b[1]), max(a[1], b[1]) + 1)
    cols = range(min(a[2], b[2]), max(a[2], b[2]) + 1)
    for r in rows:
        for c in cols:
            yield (a[0], r, c)


def _near(value: float, expected: float, cell: Cell) -> float:
    """How far a wrong `value` is from `expected`, if it looks like a slip for it; else inf."""
    if expected == 0:
        return math.inf
    relative = abs(value - expected) / abs(expected)
    if relative <= NEAR_RELATIVE:
        return relative
    if value != 0 and math.isclose(value, -expected, rel_tol=1e-3):
        return NEAR_RELATIVE  # the sign flipped
    if cell.decimals is not None and _transposed(value, expected, cell.decimals):
        return NEAR_RELATIVE
    return math.inf


def _transposed(value: float, expected: float, decimals: int) -> bool:
    """True if typed `value` is `expected` (rounded alike) with two adjacent significant digits swapped."""
    a, b = f"{abs(value):.{decimals}f}", f"{abs(expected):.{decimals}f}"
    if len(a) != len(b) or a == b or (value < 0) != (expected < 0):
        return False
    if len(a) - len(a.lstrip("0.")) != len(b) - len(b.lstrip("0.")):
        return False  # "0.0011" for "0.0101" changes the magnitude: not a transposition
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def check_book(book: Book, trace: Trace, tolerance: Tolerance | None = None) -> CheckResult:
    """Locate every number of `trace` in `book`; see the module's docstring for the rules."""
    tolerance = tolerance or Tolerance()
    locator = _Locator(book, trace, tolerance)
    elements = locator.elements()  # found only: no cell is known to be explained yet
    for _ in range(MAX_PASSES):
        # Cells that rightly hold a number (found, or following from a slip) are no slip of
        # another; the numbers found give each element its neighbours for the next pass.
        explained = {(e.cell.sheet, e.cell.row, e.cell.col) for e in elements if e.cell is not None and e.kind != SLIP}
        neighbours = [locator.pos(e.cell) if e.cell is not None and e.kind != SLIP else None for e in elements]
        again = _Locator(book, trace, tolerance, explained=explained, neighbours=neighbours).elements()
        settled = [(e.status, e.cell) for e in again] == [(e.status, e.cell) for e in elements]
        elements = again
        if settled:
            break
    precision = {"rounded": 0, "full": 0}
    for e in elements:
        if e.cell is not None:
            precision["full" if e.cell.decimals is None else "rounded"] += 1
    used = {(e.cell.sheet, e.cell.row, e.cell.col) for e in elements if e.cell is not None}
    unexplained = sum((c.sheet, c.row, c.col) not in used for c in book.numbers())
    return CheckResult(book, trace, tolerance, elements, precision, unexplained)


def _held_fixed(trace: Trace, quantity: Quantity) -> bool:
    """A bias that `train_biases = false` keeps as it is: an input, not something to check."""
    return not trace.network.train_biases and quantity.name[0] == "B" and quantity.section in (PARAMETERS, UPDATE)


__all__ = ["CheckResult", "DiffResult", "Tolerance", "cell_address", "check_book", "diff_books"]
