"""Fit a table's layout: where each number of the run sits in a workbook, as one model.

A layout has few parameters: the *stride* from one iteration to the next, along one axis (a row,
a block of rows, a column or a group of columns, a sheet) and, for each element of the run, its
*base*: the cell it occupies in iteration 0. Iteration t of the element is then at base + t·stride
(`geometry.Layout`). The model is fitted from votes: every cell that holds an element's value
exactly (at full precision, or as its correct rounding) votes for the base it implies. The early
iterations, before any slip has spread, agree; a slip only removes a few votes. 0, ±1 and ±2 do
not vote: sheets hold them everywhere (inputs, targets, zero biases, a row of ones), so such a
number is evidence only where the fitted layout puts it (`evidence.small`). Elements that match
nothing exactly (a column wrong from its first row) are then given the columns left over, as one
assignment over all rows (`leftovers`).

`fit_layout` runs the passes in this order, each in the module of its job:

1. the stride (`stride`), a first iteration written twice (`_first_written_twice`: the table is
   fitted from the second copy), and where blocks are not one height (a block per epoch of 10
   rows, then 11), each iteration's move (`stride.table_moves`);
2. each element's base, from the votes of its exact matches (`bases`);
3. one sign per quantity: a sheet writes a gradient in one sign (`_one_sign_per_quantity`);
4. iteration 0's box (`_set_box`);
5. the columns left over, given to the elements without a base (`leftovers`);
6. two elements in one cell settled (`bases.settle_shared`), and the box set again;
7. a number written twice, each computed on its own (dZ1, and the bias row of dW1 = Xᵀ·dZ1), judged
   in both cells (`_written_twice`);
8. the last iteration the table holds (`geometry.last_iteration`).

Guarantee: an element has one base at most (and its copies beside it), chosen as `bases` allows
(among its exact matches, or where the layout itself puts it) or, where it has none, by the one
assignment of the columns left over; two elements keep one cell only as `bases.settle_shared`
allows; the table holds iteration 0 at least (`last` ≥ 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sheetnet.check.bases import Votes, base_votes, choose_bases, settle_shared
from sheetnet.check.evidence import close, small
from sheetnet.check.geometry import Layout, last_iteration, strides_apart
from sheetnet.check.grid import Grid, Pos, same
from sheetnet.check.leftovers import assign_leftovers
from sheetnet.check.spots import Ident, RunSpots, Spot
from sheetnet.check.stride import table_moves, table_stride
from sheetnet.check.thresholds import COPY_ITERATIONS, FULL_WEIGHT, REPEATED_NUMBERS, REPEATED_SHARE


def fit_layout(
    grid: Grid, run: RunSpots, sheet: int, local: Callable[[Layout, int], dict], moves: tuple[Pos, ...] = ()
) -> Layout:
    """The layout of the table that starts on `sheet`. `local(layout, n)` gives each spot's local
    value in the first n iterations. `moves`: where the sheet's own update formulas put each
    iteration from iteration 0, if they say: the iterations are where they say (formulas first:
    a slip in iteration 0 leaves no later number the run's to find a stride by), one stride apart
    or not (`Layout.moves`), and only the bases are fitted from the numbers."""
    last = len(run.iterations) - 1
    repeated: tuple[int, int, int] | None = None
    if len(moves) < 2:  # the numbers alone say where each iteration is (blocks of uneven height too)
        stride = table_stride(grid, run, sheet)
        repeated = _first_written_twice(grid, run, sheet, stride)
        if repeated is not None:  # fitted from the second copy: the first is no iteration
            lo, hi, axis = repeated
            grid = grid.without(lambda p: lo <= p[axis] <= hi, sheet)
        moves = table_moves(grid, run, sheet, stride)
    if len(moves) < 2:  # None: the table holds one iteration only
        layout = Layout(sheet, stride, last=last)
    elif all(m == tuple(t * d for d in moves[1]) for t, m in enumerate(moves)):
        layout = Layout(sheet, moves[1], last=last)
    else:
        layout = Layout(sheet, moves[1], last=last, moves=moves)
    votes = base_votes(grid, run, layout)
    support = choose_bases(grid, run, layout, votes)
    _one_sign_per_quantity(run, layout)
    _set_box(grid, layout, run)
    assign_leftovers(grid, run, layout, local)
    settle_shared(layout, support)
    _set_box(grid, layout, run)
    _written_twice(grid, run, layout, votes)
    if repeated is not None:  # the table's first lines are iteration 0's first copy
        r0, c0, r1, c1 = layout.box
        layout.box = (min(r0, lo), c0, r1, c1) if axis == 1 else (r0, min(c0, lo), r1, c1)
    layout.last = last_iteration(grid, run, layout)
    return layout


def _first_written_twice(grid: Grid, run: RunSpots, sheet: int, stride: Pos | None) -> tuple[int, int, int] | None:
    """The lines of a first iteration that the next block (row, column) writes again, number for
    number, before the iterations go on from the second: a block of the starting numbers and what
    they give (iteration 0 shown), then the training from the same numbers; or the first block
    copied. What the student means is iteration 0, then trained from: the table is the iterations
    from the second copy, whose iteration 0 uses the starting numbers as iteration 0 must, each
    block after it following the one before; the first copy is the table's too (its box), read as
    that copy and not judged again. (An iteration written twice later, the next going on from the
    copy, is an update not made: its parameters should have moved, and it is a slip.)
    Found from iteration 0's numbers that move by iteration 1 as written: `REPEATED_SHARE` of
    them, and `REPEATED_NUMBERS` at least, are in a cell that one stride on holds them again and
    two strides on holds iteration 1's. The first copy's lines, from its first such cell to its
    last along the stride (rows for a block of rows), and the stride's axis; None: no iteration
    written twice."""
    if stride is None or stride[0] or len(run.iterations) < 2:
        return None
    axis = 1 if stride[1] else 2
    later = {s.ident: s.value for s in run.iterations[1]}

    def on(p: Pos, k: int) -> Pos:
        return (p[0], p[1] + k * stride[1], p[2] + k * stride[2])

    moving = twice = 0
    first: list[Pos] = []
    for spot in run.iterations[0]:
        after = later.get(spot.ident)
        if after is None or small(spot.value) or spot.value == after:
            continue
        cells = {p for p in grid.matches(spot.value, [sheet]) if not grid.agrees(p, after)}  # iteration 0's as written
        again = [p for p in cells if on(p, 1) in cells and on(p, 2) in grid.cells and grid.agrees(on(p, 2), after)]
        if again or any(on(p, 1) in grid.cells and grid.agrees(on(p, 1), after) for p in cells):
            moving += 1
            twice += bool(again)
            first += again
    if twice < max(REPEATED_NUMBERS, REPEATED_SHARE * moving):
        return None
    return min(p[axis] for p in first), max(p[axis] for p in first), axis


def _written_twice(grid: Grid, run: RunSpots, layout: Layout, votes: Votes) -> None:
    """The copies `judge` judges (`Layout.twice`): the cells that hold an element a second time, each
    computed on its own, as ∂L/∂B1 as dZ1 and again as the bias row of dW1 = Xᵀ·dZ1 (the 1 appended
    to x multiplies it), and a helper's copy of it (`bases._Bases.choose`).
    Such a cell holds the element at full precision wherever its base does, from the same first
    iteration, in two iterations at least (a number equal to it once, as x·W is O1 while B1 is 0,
    is no copy), until it goes wrong, where it is close (within 5 %): there it is a slip (`judge`
    judges copies). A cell another element holds in some iteration is no copy."""
    if layout.stride is None:
        return
    occupied: Callable[[Pos], bool] | None = None  # a cell the elements hold in some iteration, once a copy is likely
    spots: dict[tuple[Ident, int], Spot] = {}
    for ident, base in layout.bases.items():
        options = votes.get(ident, {})
        own = options.get(base)
        if not own:
            continue
        first = min(own)
        likely = [
            (b, ts)
            for b, ts in options.items()
            if b != base and len(ts) >= COPY_ITERATIONS and min(ts) == first and min(ts.values()) >= FULL_WEIGHT
        ]  # in as many iterations from the same first one, at full precision only
        if not likely:
            continue
        if occupied is None:
            occupied = _held_in_some_iteration(layout)
            spots = run.by_element
        holds: list[int] | None = None  # the iterations the base holds the element in, once a cell may be a copy
        copies: list[Pos] = []
        for b, _ in likely:
            if occupied(b) or b in copies:
                continue  # (another element's cell in some iteration: a number typed to 4 places agrees by chance)
            if small(spots[(ident, first)].value) or any(strides_apart(layout, a, b) for a in [base, *copies]):
                continue
            # wherever the base holds it, zeros too (a column of ∂L/∂B1 holds ∂L/∂W1 only where x
            # is 1), until it goes wrong, where it is close: there it is a slip
            if holds is None:
                holds = [u for u in range(layout.last + 1) if _holds(grid, layout, base, spots.get((ident, u)), u)]
            for u in holds:
                spot = spots.get((ident, u))
                if _holds(grid, layout, b, spot, u, exact=True):
                    continue
                cell = grid.cells.get(layout.shift(b, u))
                if (
                    u > first
                    and isinstance(cell.value if cell else None, (int, float))
                    and close(float(cell.value), spot.value)
                ):
                    copies.append(b)  # it went wrong here
                break
            else:
                copies.append(b)  # it holds the element wherever the base does
        if copies:
            layout.twice[ident] = copies
            layout.copies[ident] = list(dict.fromkeys([*layout.copies.get(ident, []), *copies]))


def _held_in_some_iteration(layout: Layout) -> Callable[[Pos], bool]:
    """Whether a cell is an element's in some iteration: a base moved by −last … last strides.
    Where the stride moves along one axis, a cell is looked up among the bases in its line (the
    same other coordinates, whole strides apart along it), not among every base's every iteration."""
    bases, last, stride = set(layout.bases.values()), layout.last, layout.stride or (0, 0, 0)
    axes = [k for k in range(3) if stride[k]]
    if layout.moves or len(axes) != 1:
        cells = {layout.shift(b, t) for b in bases for t in range(-last, last + 1)}
        return cells.__contains__
    k, step = axes[0], stride[axes[0]]
    reach = last * abs(step)
    lines: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for b in bases:
        lines[_line(b, k, step)].append(b[k])

    def held(p: Pos) -> bool:
        return any(abs(p[k] - a) <= reach for a in lines.get(_line(p, k, step), ()))

    return held


def _line(p: Pos, k: int, step: int) -> tuple[int, int, int]:
    """The cells whole strides of `step` along axis k from `p`: its other two coordinates, and
    where along the axis it stands within a stride."""
    others = [p[i] for i in range(3) if i != k]
    return (others[0], others[1], p[k] % step)


def _holds(grid: Grid, layout: Layout, pos: Pos, spot: Spot | None, t: int, *, exact: bool = False) -> bool:
    """Whether the cell at `pos`, shifted to iteration t, holds the spot's value (at full
    precision if `exact`, else to the nearness of `close`)."""
    cell = grid.cells.get(layout.shift(pos, t))
    if spot is None or cell is None or isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
        return False
    a, b = float(cell.value), spot.value
    return same(a, b) if exact else close(a, b)


def _set_box(grid: Grid, layout: Layout, run: RunSpots) -> None:
    """Iteration 0's box: the bases of the computed numbers, and of the copies (weights used, x, y)
    that sit in line with them, or that the next iteration's cell one stride on holds again (W1
    typed at the top of the first block, and updated at the top of the next), not an input typed
    above the first block."""
    carried = {s.ident for s in run.iterations[0] if s.carried}
    later = {s.ident: s.value for s in run.iterations[1]} if len(run.iterations) > 1 else {}
    computed = [b for ident, b in layout.bases.items() if ident not in carried and b[0] == layout.sheet]
    if not computed:
        computed = [b for b in layout.bases.values() if b[0] == layout.sheet]
    if not computed:
        return
    r0, r1 = min(p[1] for p in computed), max(p[1] for p in computed)
    c0, c1 = min(p[2] for p in computed), max(p[2] for p in computed)
    stride = layout.stride or (1, 0, 0)
    outside = [(ident, b) for ident, b in layout.bases.items() if ident in carried and b[0] == layout.sheet]
    goes_on = {  # the next iteration's cell one stride on holds it again (W1 updated atop the next block)
        b
        for ident, b in outside
        if layout.stride is not None
        and ident in later
        and layout.shift(b, 1) in grid.cells
        and grid.agrees(layout.shift(b, 1), later[ident])
        and not small(later[ident])
    }
    grown = True
    while grown:  # a copy taken in may bring another in line: the same box in whatever order they come
        grown = False
        for _, b in outside:
            if r0 <= b[1] <= r1 and c0 <= b[2] <= c1:
                continue
            in_line = stride[0] or (stride[1] and r0 <= b[1] <= r1) or (not stride[1] and c0 <= b[2] <= c1)
            if in_line or b in goes_on:
                c0, c1, r0, r1 = min(c0, b[2]), max(c1, b[2]), min(r0, b[1]), max(r1, b[1])
                grown = True
    # and the numbers written on beyond them in the same rows: a last column no number of the run
    # matches exactly (∂E/∂w8 wrong from its first row) is still the table's
    # (until a header repeats one of the table's own: another table begins there)
    sheet = layout.sheet
    own = {grid.header(b) for b in layout.bases.values()} - {""}

    def more(r: int, c: int) -> bool:
        return (sheet, r, c) in grid.cells and grid.header((sheet, r, c)) not in own

    for r in range(r0, r1 + 1):
        while more(r, c1 + 1):
            c1 += 1
        while c0 > 1 and more(r, c0 - 1):
            c0 -= 1
    layout.box = (r0, c0, r1, c1)


def _one_sign_per_quantity(run: RunSpots, layout: Layout) -> None:
    """A sheet writes a gradient in one sign: where it holds both ∂L/∂W2's elements and negatives
    of them (dw5 = ∂E/∂w5 beside a dw6 = −∂E/∂w6), the sign most of its elements are in is the
    sheet's (the run's own, on a tie), and the others are slips, not the delta rule's negatives.
    Elements that are 0, ±1 or ±2 say nothing of a sign."""
    signs: dict[str, list[Ident]] = defaultdict(list)
    for spot in run.firsts:
        if spot.ident in layout.bases and not small(spot.value):
            signs[spot.ident[0]].append(spot.ident)
    for name, negatives in list(signs.items()):
        section, quantity = name.split(":", 1)
        if not quantity.startswith("−"):
            continue
        positives = signs.get(f"{section}:{quantity[1:]}", [])
        for ident in negatives if len(negatives) <= len(positives) else positives:
            del layout.bases[ident]
            layout.copies.pop(ident, None)
