"""Where a table holds the run: the `Layout` model, and the positions the fitting passes share.

A layout is a stride (the move from one iteration to the next: a row, a block of rows, a column
or a group of columns, a sheet) and each element's base (its cell in iteration 0): iteration t of
the element is at base + t·stride, inside the table's box; or, where the sheet's own update
formulas show its iterations are not one stride apart (a block a row taller than the others), at
base + moves[t]. Beside it, what every pass measures
positions by: where iteration 0's forward pass lies on a sheet (`forward_box`), whether two cells
are whole strides apart (`strides_apart`), where the next iteration uses an update (`next_use`),
the order people write in (`reading_distance`), and the last iteration a table holds
(`last_iteration`).

Guarantee: `Layout.at` and `Layout.positions` give only cells inside the table (iteration 0's box
moved by 0 … `last` strides; iteration 0 alone in a table of one iteration). Nothing here changes
a layout but `last_iteration`, which measures with `last` set to the run's last iteration.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sheetnet.check.grid import Grid, Pos
from sheetnet.check.spots import Ident, RunSpots
from sheetnet.check.thresholds import BEHIND, OTHER_SHEET, ROW_LENGTH
from sheetnet.net import FORWARD, PARAMETERS, UPDATE


@dataclass
class Layout:
    """Where a table holds the run: element ident → its cell in iteration t."""

    sheet: int
    stride: Pos | None
    bases: dict[Ident, Pos] = field(default_factory=dict)
    copies: dict[Ident, list[Pos]] = field(default_factory=dict)
    twice: dict[Ident, list[Pos]] = field(default_factory=dict)  # the copies judged (`fit._written_twice`)
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # iteration 0's rows and columns: r0, c0, r1, c1
    last: int = 0  # the last iteration the table holds
    own: bool = False  # read from where sheetnet puts each number (`own_layouts`), not fitted
    # where iteration t stands from iteration 0, when the iterations are not one stride apart (as
    # the sheet's update chains show them); past its end, one stride more per iteration
    moves: tuple[Pos, ...] = ()

    @property
    def kind(self) -> str:
        if self.stride is None:
            return "one iteration"
        ds, dr, dc = self.stride
        if ds:
            return "a sheet per iteration"
        if dr == 1 and not dc:
            return "rows"
        if dc and not dr:
            return "columns"
        return "blocks"

    def block_rows(self) -> tuple[int, int]:
        """Iteration 0's first and last rows with the rest of its block: in blocks stacked down a
        sheet, every row from the box's first to the one before the next block's (the rows under
        the loss are the block's own, where a backward pass wrong from its first row matches
        nothing); in any other layout, the box's."""
        r0, _, r1, _ = self.box
        if self.stride is None or self.stride[0] or self.stride[2] or self.stride[1] <= 1:
            return r0, r1
        return r0, max(r1, r0 + self.move(1)[1] - 1)

    def move(self, t: int) -> Pos:
        """How far iteration t stands from iteration 0 (for t < 0: how far iteration 0 stands
        from iteration −t)."""
        if self.stride is None:
            return (0, 0, 0)
        ds, dr, dc = self.stride
        if not self.moves:
            return (t * ds, t * dr, t * dc)
        if t < 0:  # back from iteration −t to iteration 0
            back = self.move(-t)
            return (-back[0], -back[1], -back[2])
        if t < len(self.moves):
            return self.moves[t]
        k = t - len(self.moves) + 1
        last = self.moves[-1]
        return (last[0] + k * ds, last[1] + k * dr, last[2] + k * dc)

    def shift(self, p: Pos, t: int) -> Pos:
        stride = self.stride
        if stride is None:
            return p
        if not self.moves:  # the common case, kept to its arithmetic: it runs for every number judged
            return (p[0] + t * stride[0], p[1] + t * stride[1], p[2] + t * stride[2])
        d = self.move(t)
        return (p[0] + d[0], p[1] + d[1], p[2] + d[2])

    def at(self, ident: Ident, t: int) -> Pos | None:
        base = self.bases.get(ident)
        if base is None or (self.stride is None and t > 0):  # a table of one iteration holds no more
            return None
        p = self.shift(base, t)
        return p if self._within(base, t) or self.inside(p) else None

    def where(self, ident: Ident) -> Callable[[int], Pos | None]:
        """`at(ident, t)` as a function of t, for a layout no longer changed: the element's base
        looked up once, and where the table has a stride and no moves, iterations 0 … `last` of a
        base in iteration 0's box moved by the stride's arithmetic (what judging asks of every
        number)."""
        base = self.bases.get(ident)
        if base is None or self.stride is None or self.moves or not self._within(base, 0):
            return functools.partial(self.at, ident)
        s, r, c = base
        ds, dr, dc = self.stride
        last, at = self.last, self.at
        return lambda t: (s + t * ds, r + t * dr, c + t * dc) if 0 <= t <= last else at(ident, t)

    def positions(self, ident: Ident, t: int) -> list[Pos]:
        """The element's cell and the cells of its copies in iteration t."""
        if self.stride is None and t > 0:
            return []
        base, copies = self.bases.get(ident), self.copies.get(ident, ())
        out = [] if base is None else [base]
        out += copies
        return [self.shift(b, t) for b in out if self._within(b, t) or self.inside(self.shift(b, t))]

    def _within(self, base: Pos, t: int) -> bool:
        """True if iteration t of a cell in iteration 0's box is inside the table: 0 ≤ t ≤ last
        (what `inside` finds, without searching for the iteration)."""
        r0, c0, r1, c1 = self.box
        return 0 <= t <= self.last and base[0] == self.sheet and r0 <= base[1] <= r1 and c0 <= base[2] <= c1

    def inside(self, p: Pos) -> bool:
        """True if `p` lies in the table: iteration 0's box moved by 0 … last strides."""
        r0, c0, r1, c1 = self.box
        if self.stride is None:
            return p[0] == self.sheet and r0 <= p[1] <= r1 and c0 <= p[2] <= c1
        ds, dr, dc = self.stride
        if not self.moves and not ds and not (dr and dc):  # the common case: every cell of a sheet asks it
            return _on_a_line(p, self.sheet, self.box, dr, dc, self.last)
        if not self.moves and not ds:  # along rows and columns at once, kept to its arithmetic
            x, lo, hi, d = (p[1], r0, r1, dr) if dr else (p[2], c0, c1, dc)
            a, b = (x - hi) / d, (x - lo) / d  # the t for which x − t·d lies in [lo, hi] (`_steps`)
            for t in range(max(math.ceil(min(a, b)), 0), min(math.floor(max(a, b)), self.last) + 1):
                if p[0] == self.sheet and r0 <= p[1] - t * dr <= r1 and c0 <= p[2] - t * dc <= c1:
                    return True
            return False
        slack = self._slack() if self.moves else 0
        if ds:
            t = p[0] - self.sheet
            candidates = [t // ds] if t % ds == 0 else []
        elif dr:
            candidates = _steps(p[1], r0 - slack, r1 + slack, dr)
        else:
            candidates = _steps(p[2], c0 - slack, c1 + slack, dc)
        for t in candidates:
            if 0 <= t <= self.last:
                d = self.move(t) if self.moves else (t * ds, t * dr, t * dc)
                q = (p[0] - d[0], p[1] - d[1], p[2] - d[2])
                if q[0] == self.sheet and r0 <= q[1] <= r1 and c0 <= q[2] <= c1:
                    return True
        return False

    def _slack(self) -> int:
        """How far a move strays from whole strides, along the stride: worked out once per moves."""
        known = self.__dict__.get("_slack_of")
        if known is None or known[0] is not self.moves:
            axis = 1 if self.stride and self.stride[1] else 2
            stride = self.stride[axis] if self.stride else 0
            known = self.__dict__["_slack_of"] = (
                self.moves,
                max(abs(m[axis] - t * stride) for t, m in enumerate(self.moves)),
            )
        return known[1]


def _on_a_line(p: Pos, sheet: int, box: tuple[int, int, int, int], dr: int, dc: int, last: int) -> bool:
    """`Layout.inside` for one stride along rows (dr) or columns (dc) and no moves: a cell is
    inside when its column (row) is the box's and its row (column) x is in one of the lines
    [lo, hi] + t·d, t = 0 … last: in their span where they overlap or touch (|d| ≤ hi − lo + 1),
    else in the one t = ⌊(x − lo)/d⌋ gives."""
    r0, c0, r1, c1 = box
    if dr:
        x, lo, hi, d, y, y0, y1 = p[1], r0, r1, dr, p[2], c0, c1
    else:
        x, lo, hi, d, y, y0, y1 = p[2], c0, c1, dc, p[1], r0, r1
    if p[0] != sheet or not y0 <= y <= y1:
        return False
    if d < 0:  # the same lines mirrored: x ↦ −x
        x, lo, hi, d = -x, -hi, -lo, -d
    if x < lo:
        return False
    if d > hi - lo + 1:
        t = (x - lo) // d
        return t <= last and x - t * d <= hi
    return x <= hi + last * d


def _steps(x: int, lo: int, hi: int, d: int) -> list[int]:
    """The t for which x − t·d lies in [lo, hi]."""
    a, b = (x - hi) / d, (x - lo) / d
    return list(range(math.ceil(min(a, b)), math.floor(max(a, b)) + 1))


def forward_box(grid: Grid, run: RunSpots, sheet: int) -> tuple[int, int, int, int] | None:
    """Rows and columns of iteration 0's forward pass on `sheet`: the numbers written there once."""
    unique = []
    for spot in run.iterations[0]:
        if spot.quantity.section == FORWARD and not spot.carried:
            found = grid.matches(spot.value, [sheet])
            if len(found) == 1:
                unique += found
    if not unique:
        return None
    r0, c0 = min(p[1] for p in unique), min(p[2] for p in unique)
    r1, c1 = max(p[1] for p in unique), max(p[2] for p in unique)
    return r0, c0, r1, c1


def next_use(layout: Layout, ident: Ident) -> Pos | None:
    """For an updated parameter, the cell where the next iteration uses it: the same number (in a
    rows table the update is written nowhere else). None for any other element."""
    section, name = ident[0].split(":", 1)
    if section != UPDATE or layout.stride is None:
        return None
    used = layout.bases.get((f"{PARAMETERS}:{name}", -1, ident[2]))
    return None if used is None else layout.shift(used, 1)


def strides_apart(layout: Layout, a: Pos, b: Pos) -> bool:
    """True if b is a moved by whole strides: the same column of a rows table, not a copy of it."""
    if layout.stride is None:
        return False
    d = (b[0] - a[0], b[1] - a[1], b[2] - a[2])
    ks = {d[i] / layout.stride[i] for i in range(3) if layout.stride[i]}
    zero = all(d[i] == 0 for i in range(3) if layout.stride[i] == 0)
    return zero and len(ks) == 1 and float(next(iter(ks))).is_integer()


def reading_distance(p: Pos, anchor: Pos | None) -> int:
    """How far `p` comes after `anchor`, row by row (cells before it count double)."""
    if anchor is None:
        return p[1] * ROW_LENGTH + p[2]
    if p[0] != anchor[0]:
        return OTHER_SHEET + abs(p[0] - anchor[0])
    d = (p[1] - anchor[1]) * ROW_LENGTH + (p[2] - anchor[2])
    return d if d >= 0 else 1 - BEHIND * d


def last_iteration(grid: Grid, run: RunSpots, layout: Layout) -> int:
    """The last iteration whose forward pass the table holds (any of it)."""
    forward = [s.ident for s in run.firsts if s.quantity.section == FORWARD and s.ident in layout.bases]
    idents = forward or list(layout.bases)
    layout.last = len(run.iterations) - 1
    last = -1
    for t in range(len(run.iterations)):
        held = sum(1 for ident in idents if (p := layout.at(ident, t)) is not None and grid.held(p))
        if held:
            last = t
    return max(last, 0)
