"""What a number found in a sheet tells of where an element of the run is.

A sheet holds some numbers everywhere (0, ±1, ±2: inputs, targets, a column of ones, zero
biases), so finding one there says nothing (`small`); a wrong number within 5 % of the right one
still belongs to that element (`close`); and a cell that shows many digits is stronger evidence
than a typed 0.25 that agrees with many numbers to 4 places (`vote_weight`).

Guarantee: pure functions of numbers and one cell. `close` is symmetric and holds for equal
numbers; `vote_weight` is 1 for a cell that holds the number at full precision, else between 0.2
and 1.
"""

from __future__ import annotations

from sheetnet.check.grid import Grid, Pos, full_window
from sheetnet.check.thresholds import CLOSE, FULL_ABSOLUTE, SMALL_NUMBERS, TINY_WINDOWS, VOTE_DIGITS


def vote_weight(grid: Grid, p: Pos, value: float) -> float:
    """The weight of cell `p`'s vote for `value`: 1 where it holds the value at full precision,
    else by the digits it shows (a typed 0.25 agrees with many numbers, 0.2499527 with one)."""
    cell = grid.cells[p]
    if cell.decimals is None or abs(float(cell.value) - value) <= full_window(value):
        return 1.0
    return min(1.0, max(grid.digits(p), 1) / VOTE_DIGITS)


def small(value: float) -> bool:
    """True for 0, ±1, ±2: numbers such sheets hold everywhere (inputs, targets, a column of ones,
    zero biases), evidence of an element only where the fitted layout puts it; and for a number
    so near 0 that a spreadsheet's 0, or another tiny number, agrees with it (a converged
    network's gradients, 1e-13 where the sheet has 0 or 4e-13)."""
    return value in SMALL_NUMBERS or abs(value) <= TINY_WINDOWS * FULL_ABSOLUTE


def close(a: float, b: float) -> bool:
    """True if `a` and `b` are within `CLOSE` of each other, relative to the larger."""
    return abs(a - b) <= CLOSE * max(abs(a), abs(b)) or a == b
