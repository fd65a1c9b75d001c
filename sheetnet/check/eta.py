"""The η a table trains with: the cell it writes η in, or the η its first update gives.

A sheet writes η beside a label (`η`, `eta`, `LR`, `learning rate`, `α`, `n =`), nearest the
table's forward pass (`eta_cell`). Whether or not it does, its first update moves each parameter by
η times a step that does not depend on η, so the updated parameters written in line with the
parameters give η (`learning_rate`).

Guarantee: `eta_cell` is one of `eta_cells`, the positive numbers of at most 1000 beside or under
such a label, or None; `learning_rate` is an η that puts at least half of the parameters it moves
visibly in line with them, written with `ETA_TYPED_DIGITS` significant digits at most unless it is
the run's, or None.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from sheetnet.cells.labels import ETA_WORDS, label_token
from sheetnet.check.geometry import forward_box
from sheetnet.check.grid import Grid, Pos, full_window, rounding_window
from sheetnet.check.spots import RunSpots
from sheetnet.check.thresholds import (
    ETA_BIGGEST,
    ETA_BIGGEST_SHARE,
    ETA_BINS,
    ETA_LABEL_REACH,
    ETA_MAX,
    ETA_SHARE,
    ETA_SPREAD,
    ETA_START_CELLS,
    ETA_TYPED_DIGITS,
    IN_LINE_REACH,
    MULTIPLE_SLACK,
    VISIBLE_MOVE,
)
from sheetnet.net import UPDATE


def eta_cell(grid: Grid, run: RunSpots, sheet: int) -> Pos | None:
    """The cell a table writes its η in: a positive number labelled `η`, `eta`, `LR`, `learning
    rate`, `α` or `n =` (on its left, or above it), the nearest to the table's forward pass."""
    box = forward_box(grid, run, sheet)
    r, c = (box[0], box[1]) if box is not None else (0, 0)
    return min(eta_cells(grid, sheet), key=lambda p: (abs(p[1] - r) + abs(p[2] - c), p), default=None)


def eta_cells(grid: Grid, sheet: int) -> list[Pos]:
    """The positive numbers of at most 1000 on `sheet` that a label names η (`_named_eta`)."""
    return [
        p for p in _near_eta_labels(grid, sheet) if 0 < float(grid.cells[p].value) <= ETA_MAX and _named_eta(grid, p)
    ]


def _near_eta_labels(grid: Grid, sheet: int) -> set[Pos]:
    """The numbers that a label naming η may label (`_named_eta`): those just right of one, or just
    under it; found from the sheet's few texts, not its many numbers."""
    near: set[Pos] = set()
    for (_, r, c), text in grid.texts_on(sheet):
        if label_token(text) in ETA_WORDS:
            reach = [(sheet, r, c + k) for k in range(1, ETA_LABEL_REACH + 1)] + [(sheet, r + 1, c)]
            near.update(p for p in reach if p in grid.cells)
    return near


def _named_eta(grid: Grid, p: Pos) -> bool:
    """True if the text just left of `p` (two cells at most) or just above it names η."""
    s, r, c = p
    if any(label_token(grid.text((s, r, c - k))) in ETA_WORDS for k in range(1, ETA_LABEL_REACH + 1)):
        return True
    # a label above, unless it is the label of the number on its right (`η | 0.5` in the row above),
    # or heads a column of numbers (`n` over 1, 2, 3 …: an iteration counter)
    return (
        label_token(grid.text((s, r - 1, c))) in ETA_WORDS
        and (s, r - 1, c + 1) not in grid.cells
        and (s, r + 1, c) not in grid.cells
    )


def learning_rate(grid: Grid, run: RunSpots, sheet: int) -> float | None:
    """The η a table trains with, from its first update: at iteration 0 every optimizer moves a
    parameter by η times a step that does not depend on η, so each updated parameter written in
    line with the parameter (below it in its column, right of it in its row, or in its cell on the
    next sheet) gives η, as a person types it (`_as_typed`). The η that puts most of the
    parameters moving most in line wins, the run's on a tie (and over its multiples k·η: a value
    k updates later in line), else the smallest (not 2η, the value two updates later); None when
    none puts at least half of the parameters it moves visibly in line. (With a row per η, rows
    that agree in iteration 0, the intact rows' η win over the run's in a row with a slip in its
    first update: those tables are fitted, and taken away, first.)"""
    eta = run.trace.network.lr
    moves: list[_Move] = []  # start, step at η = 1, the cells in line with it
    for spot in run.iterations[0]:
        if spot.quantity.section == UPDATE and spot.quantity.name[0] in "WB":
            start = run.values[spot.expr.a.key]  # type: ignore[attr-defined]
            unit = (start - spot.value) / eta
            if unit != 0 and math.isfinite(unit):
                here = sorted(grid.matches(start, [sheet]), key=lambda p: (abs(float(grid.cells[p].value) - start), p))
                line = _in_line_with(grid, here[:ETA_START_CELLS])
                moves.append((start, unit, line, _Line(grid, line)))
    if not moves:
        return None

    def tally(candidate: float, among: list[_Move] = moves) -> tuple[int, int]:
        """How many parameters (of `among`) η = candidate puts in line with them, and how many it
        moves visibly (by a unit of the 4th decimal: a typed 0.15 is no update by 2e-5)."""
        count = visible = 0
        for start, unit, _, line in among:
            moved = start - candidate * unit
            if abs(moved - start) >= VISIBLE_MOVE:
                visible += 1
                count += line.holds(moved)
        return count, visible

    count, visible = tally(eta)
    if count == visible and count:
        return eta  # every update is in line: the run's η
    # Else another η may explain more: of tables one beside the other with the same first
    # iteration (a row per η), one intact is fitted before the run's with a slip in its first update.
    # The η each cell in line would mean, from the parameters that move most (they give it best,
    # and are compared on them: a larger η moves more of the others visibly, each in line with its
    # next number typed to 4 places whatever η is within a wide range), in groups of those within
    # a few % of each other: the most common few are confirmed, each as the number a person typed.
    many = max(ETA_BIGGEST, int(len(moves) * ETA_BIGGEST_SHARE))
    biggest = sorted(moves, key=lambda m: -abs(m[1]))[:many]

    def explained(candidate: float) -> int:
        """How many of the parameters that move most η = candidate puts in line, if it puts at
        least half of those it moves visibly in line; else 0."""
        count, visible = tally(candidate)
        return tally(candidate, biggest)[0] if count >= ETA_SHARE * visible else 0

    best, best_count = eta, explained(eta)
    means: list[_Mean] = []
    for i, (start, unit, line, _) in enumerate(biggest):
        for p in line:
            candidate = (start - float(grid.cells[p].value)) / unit
            if 0 < candidate <= ETA_MAX:
                means.append(_Mean(candidate, i, (1 + candidate) * _window(grid, p) / abs(unit)))
    # A later value in line gives about a multiple of η (k steps later): of the η that explain as
    # many parameters, the smallest is the step.
    for group in sorted(_groups(means), key=lambda g: (-_parameters(g), g[0].eta))[:ETA_BINS]:
        candidate = _as_typed(group)
        if candidate is None:
            continue
        count = explained(candidate)
        if best == eta and best_count and _multiple(candidate, eta):
            continue  # k steps later in line: the run's η still
        if count > best_count or (count == best_count and count and best != eta and candidate < best):
            best, best_count = candidate, count
    return best if best_count else None


_Move = tuple[float, float, list[Pos], "_Line"]  # a parameter's start, its step at η = 1, the cells in line


@dataclass(frozen=True)
class _Mean:
    """The η a number in line with a parameter would mean, the parameter's index, and how far from
    it the η the number was computed with may be, by how the numbers are written: the number's
    rounding, and η times the rounding of the step it was computed from (typed to as many places)."""

    eta: float
    parameter: int
    slack: float

    def allows(self, eta: float) -> bool:
        return abs(eta - self.eta) <= self.slack


def _window(grid: Grid, p: Pos) -> float:
    """How far the number at `p` may be from the number it stands for: its rounding, if typed."""
    decimals = grid.cells[p].decimals
    if decimals is None:
        return full_window(float(grid.cells[p].value))
    return rounding_window(max(decimals, grid.places[p[0]]))


def _parameters(group: list[_Mean]) -> int:
    return len({m.parameter for m in group})


def _groups(means: list[_Mean]) -> list[list[_Mean]]:
    """The η candidates in groups: each from the smallest not yet grouped to those within
    `ETA_SPREAD` of it. A group has no edges fixed in advance, so the candidates 0.2497 and 0.2503
    of an η of 0.25 are one group, as they are not when binned to one digit (0.2 and 0.3)."""
    groups: list[list[_Mean]] = []
    for mean in sorted(means, key=lambda m: (m.eta, m.parameter)):
        if groups and mean.eta <= groups[-1][0].eta * (1 + ETA_SPREAD):
            groups[-1].append(mean)
        else:
            groups.append([mean])
    return groups


def _as_typed(group: list[_Mean]) -> float | None:
    """The η a group stands for, as a person types it: the shortest rounding of its middle
    candidate that half of its parameters allow at least (`_Mean.allows`); None if that takes more
    than `ETA_TYPED_DIGITS` digits. Numbers typed to 4 places give 0.2497 or 2.0014 for the 0.25 or
    2 they were trained with, and at full precision they give 0.1499999999999996 for 0.15 (no double
    is 0.15 exactly); a wrong ŷ of one output, which scales every gradient by one factor, gives
    0.100698239 for 0.1 (no η a person types)."""
    middle = group[len(group) // 2].eta
    need = ETA_SHARE * _parameters(group)
    for digits in range(1, ETA_TYPED_DIGITS + 1):
        rounded = float(f"{middle:.{digits}g}")
        if len({m.parameter for m in group if m.allows(rounded)}) >= need:
            return rounded
    return None


def _multiple(candidate: float, eta: float) -> bool:
    """True if `candidate` is k·η for a whole k ≥ 2, within 10 %."""
    k = round(candidate / eta)
    return k >= 2 and abs(candidate - k * eta) <= MULTIPLE_SLACK * k * eta


class _Line:
    """The numbers in line with a parameter: whether one of them holds a number (`Grid.agrees`).
    Asked once, each is compared (the run's η explains most tables); asked again, of the few near
    it, the numbers sorted by value once (`tally` asks it of many η)."""

    def __init__(self, grid: Grid, cells: list[Pos]) -> None:
        self.grid, self.cells = grid, cells
        self.asked = 0
        self.values: list[float] = []  # the numbers' values, once sorted
        self.typed = 0.0  # the widest rounding window of the typed numbers among them

    def holds(self, value: float) -> bool:
        """True if one of the numbers agrees with `value` (`Grid.agrees`)."""
        grid = self.grid
        self.asked += 1
        if self.asked == 1:
            return any(grid.agrees(p, value) for p in self.cells)
        if self.asked == 2:
            pairs = sorted((float(grid.cells[p].value), p) for p in self.cells)
            self.values, self.cells = [v for v, _ in pairs], [p for _, p in pairs]
            cells = [(grid.cells[p].decimals, grid.places[p[0]]) for p in self.cells]
            typed = [max(decimals, places) for decimals, places in cells if decimals is not None]
            self.typed = rounding_window(min(typed)) if typed else 0.0
        reach = 2 * max(full_window(value), self.typed)  # twice the widest window: no rounding loses one
        lo = bisect.bisect_left(self.values, value - reach)
        hi = bisect.bisect_right(self.values, value + reach, lo)
        return any(grid.agrees(p, value) for p in self.cells[lo:hi])


def _in_line_with(grid: Grid, cells: list[Pos], reach: int = IN_LINE_REACH) -> list[Pos]:
    """The numbers below `cells` in their columns, right of them in their rows, and in their place
    on the next sheet: where a table writes the next value of a number."""
    out: list[Pos] = []
    for s, row, col in cells:
        out += [(s, r, col) for r in range(row + 1, row + reach) if (s, r, col) in grid.cells]
        out += [(s, row, c) for c in range(col + 1, col + reach) if (s, row, c) in grid.cells]
        if (s + 1, row, col) in grid.cells:
            out.append((s + 1, row, col))
    return out
