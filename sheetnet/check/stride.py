"""The stride of a table: the move from one iteration to the next, fitted from votes.

Each element found in two consecutive iterations votes for the moves between its cells, weighed by
how unambiguous they are (`_strides`); where a slip in iteration 0 spreads to every number after
it, iteration 0's forward pass, found exactly, moves to where iteration 1's is close
(`_stride_after_a_slip`). A move is taken only if it carries the table on (`table_stride`).
Blocks of uneven height (a block per epoch of 10 rows, then 11) are not one stride apart: each
iteration's move from iteration 0 is then the one most of its changing numbers make (`table_moves`,
for `Layout.moves`).

Guarantee: a stride moves along one axis (rows, columns or sheets); two elements at least vote for
it (after a slip: half of iteration 0's forward pass, two numbers at least); and one stride on from
iteration 0, the cells hold iteration 1's forward pass within 5 % for at least half of the numbers
of it written once, or iteration 1's moving parameters exactly for most of them. None: the table
holds one iteration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from sheetnet.check.evidence import close, small, vote_weight
from sheetnet.check.geometry import forward_box
from sheetnet.check.grid import Grid, Pos
from sheetnet.check.spots import RunSpots, Spot
from sheetnet.check.thresholds import (
    CLOSE,
    FAR_WEIGHT,
    FORWARD_CARRIED_SHARE,
    NEAR_FORWARD,
    STRIDE_CANDIDATES,
    STRIDE_ITERATIONS,
    STRIDE_PAIRS,
    WEIGHTS_CARRIED,
)
from sheetnet.net import FORWARD, PARAMETERS


def table_stride(grid: Grid, run: RunSpots, sheet: int) -> Pos | None:
    """The stride of the table that starts on `sheet`: the most voted move that carries iteration
    0's forward pass on to iteration 1's; None: the table holds one iteration only."""
    return next(
        (
            m
            for m in _strides(grid, run, sheet)
            if _moves_forward(grid, run, sheet, m) or _moves_weights(grid, run, sheet, m)
        ),
        None,
    )


def _strides(grid: Grid, run: RunSpots, sheet: int) -> Iterator[Pos]:
    """The moves from one iteration to the next, within the sheet or to the next sheet, most
    voted first (an updated weight written below its block, w7+, votes beside where the next
    block uses it).

    Each element found in iterations t and t+1 votes for the moves between its cells, weighed by
    how unambiguous they are; in iteration 0 only cells near the forward pass count in full (an
    input typed again above the table is not where the table's iterations start)."""
    votes: Counter[Pos] = Counter()
    next_sheet = [sheet + 1] if sheet + 1 < len(grid.sheets) else []
    near = _forward_region(grid, run, sheet)
    for t in range(min(len(run.iterations), STRIDE_ITERATIONS) - 1):
        later = {s.ident: s for s in run.iterations[t + 1]}
        for spot in run.iterations[t]:
            after = later.get(spot.ident)
            if after is None or after.value == spot.value or small(spot.value) or small(after.value):
                continue  # a number that stays (x, y), or one as small as 0, ±1, ±2, tells nothing of a move
            here = grid.matches(spot.value, [sheet])
            there = grid.matches(after.value, [sheet] + (next_sheet if t == 0 else []))
            if not here or not there or len(here) * len(there) > STRIDE_PAIRS:
                continue
            weight = 1 / (len(here) * len(there))
            for p in here:
                w = weight * vote_weight(grid, p, spot.value) * (1.0 if t or near(p) else FAR_WEIGHT)
                for q in there:
                    move = (q[0] - p[0], q[1] - p[1], q[2] - p[2])
                    if sum(d != 0 for d in move) == 1:  # along one axis: rows, columns or sheets
                        votes[move] += w * vote_weight(grid, q, after.value)
    # (no move at all: the table has one iteration; each is tried against the forward pass below)
    moves = [m for m, _ in votes.most_common()]
    yield from moves[:STRIDE_CANDIDATES]
    after_a_slip = _stride_after_a_slip(grid, run, sheet)  # (only if none of those carries the table on)
    if after_a_slip is not None and after_a_slip not in moves:
        yield after_a_slip


def _stride_after_a_slip(grid: Grid, run: RunSpots, sheet: int) -> Pos | None:
    """The stride of a table whose later iterations match the run nowhere exactly (a slip in
    iteration 0 spreads to every number after it): iteration 0's forward pass, found exactly,
    moves to where iteration 1's is close (within 5 %): the move most of it makes."""
    if len(run.iterations) < 2:
        return None
    later = {s.ident: s for s in run.iterations[1]}
    votes: Counter[Pos] = Counter()
    near = _forward_region(grid, run, sheet)
    for spot in run.iterations[0]:
        after = later.get(spot.ident)
        if spot.quantity.section != FORWARD or spot.carried or after is None or small(spot.value):
            continue
        here = [p for p in grid.matches(spot.value, [sheet]) if near(p)]
        if len(here) != 1:
            continue
        moves = set()
        for q in grid.near(after.value, sheet, CLOSE):
            move = (0, q[1] - here[0][1], q[2] - here[0][2])
            if sum(d != 0 for d in move) == 1:
                moves.add(move)
        votes.update(moves)
    if not votes:
        return None
    return votes.most_common(1)[0][0]


def _moves_forward(grid: Grid, run: RunSpots, sheet: int, stride: Pos) -> bool:
    """True if one stride on from iteration 0's forward pass, the cells hold iteration 1's forward
    pass (within 5 %, slips and all) for at least half of it: not just numbers one column over."""
    held, total = _carried_on(
        grid,
        run,
        sheet,
        stride,
        lambda spot, after: spot.quantity.section == FORWARD and not spot.carried,
        lambda q, after: q in grid.cells and close(float(grid.cells[q].value), after),
    )
    return total == 0 or held >= FORWARD_CARRIED_SHARE * total


def _moves_weights(grid: Grid, run: RunSpots, sheet: int, stride: Pos) -> bool:
    """True if one stride on from iteration 0's parameters, the cells hold iteration 1's exactly for
    some of those that move, of two at least (a wrong slope in iteration 0's hidden layer moves iteration 1's forward
    pass far from the run's, but leaves the output layer's update right)."""
    held, total = _carried_on(
        grid,
        run,
        sheet,
        stride,
        lambda spot, after: (
            spot.quantity.section == PARAMETERS and spot.carried and not small(spot.value) and spot.value != after
        ),
        lambda q, after: q in grid.cells and grid.agrees(q, after),
    )
    return total >= WEIGHTS_CARRIED and held > 0


def _carried_on(
    grid: Grid,
    run: RunSpots,
    sheet: int,
    stride: Pos,
    counts: Callable[[Spot, float], bool],
    holds: Callable[[Pos, float], bool],
) -> tuple[int, int]:
    """Of iteration 0's numbers that `counts` and the sheet holds in one cell, how many hold (by
    `holds`) their iteration 1's value one stride on, and how many there are."""
    if len(run.iterations) < 2:
        return 0, 0
    later = {s.ident: s.value for s in run.iterations[1]}
    held = total = 0
    for spot in run.iterations[0]:
        after = later.get(spot.ident)
        if after is None or not counts(spot, after):
            continue
        found = grid.matches(spot.value, [sheet])
        if len(found) == 1:
            total += 1
            held += holds((found[0][0] + stride[0], found[0][1] + stride[1], found[0][2] + stride[2]), after)
    return held, total


def _forward_region(grid: Grid, run: RunSpots, sheet: int) -> Callable[[Pos], bool]:
    """Whether a cell lies near iteration 0's forward pass on `sheet` (the cells that hold it alone)."""
    box = forward_box(grid, run, sheet)
    if box is None:
        return lambda p: True
    r0, c0, r1, c1 = box
    m = NEAR_FORWARD
    return lambda p: r0 - m <= p[1] <= r1 + m and c0 - m <= p[2] <= c1 + m


def table_moves(grid: Grid, run: RunSpots, sheet: int, stride: Pos | None) -> tuple[Pos, ...]:
    """Where each iteration stands from iteration 0 when the blocks are not one height (a block per
    epoch, 10 rows, then 11, then 10): for each iteration, the move along the stride's axis that
    most of the numbers that change make from iteration 0's cells to that iteration's, exactly.
    () if every iteration found is whole strides on (the stride says it all), if the stride moves
    across sheets or one line (a row per iteration), or there is none; iterations past the last
    found go on one stride each (`Layout.moves`)."""
    if stride is None or stride[0] or max(map(abs, stride)) < 2 or len(run.iterations) < 3:
        return ()  # (a row or a column per iteration is one line each: one stride)
    axis = 1 if stride[1] else 2
    near = _forward_region(grid, run, sheet)
    first = {s.ident: s for s in run.iterations[0] if not small(s.value)}
    here = {ident: [p for p in grid.matches(s.value, [sheet]) if near(p)] for ident, s in first.items()}
    moves: list[Pos] = [(0, 0, 0)]
    for t in range(1, len(run.iterations)):
        votes: Counter[int] = Counter()
        for spot in run.iterations[t]:
            start = first.get(spot.ident)
            cells = here.get(spot.ident, [])
            if start is None or not cells or spot.value == start.value or small(spot.value):
                continue
            there = grid.matches(spot.value, [sheet])
            if not there or len(cells) * len(there) > STRIDE_PAIRS:
                continue
            for p in cells:
                for q in there:
                    d = q[axis] - p[axis]
                    if q[3 - axis] == p[3 - axis] and d * stride[axis] > 0 and abs(d) > abs(moves[-1][axis]):
                        votes[d] += 1 / (len(cells) * len(there))
        if not votes:
            break
        d = votes.most_common(1)[0][0]
        moves.append((0, d, 0) if axis == 1 else (0, 0, d))
    if len(moves) < 3 or all(m[axis] == t * stride[axis] for t, m in enumerate(moves)):
        return ()
    return tuple(moves)
