"""The columns left over: the elements that match nothing exactly, given the numbers no element holds.

An element wrong from its first row (a slip in every iteration) casts no vote. The numbers of the
table that no base explains are given to such elements in one assignment over all of them
(`assign_leftovers`), by how close each column is to each element's local value (its expression
on the workbook's own numbers) in the first `LEFTOVER_ITERATIONS`: the closest pairs within 5 %, a
header that names the element winning, and x where the forward pass's formula multiplies it by its
weight (`_read_inputs`: columns of 0/±1 inputs and targets agree in most rows).

Guarantee: only elements without a base are given one, one cell each and each cell to one element
at most, among the numbers of the table's box that no base explains in iteration 0 or 1 and no
label names η (and the cells where the next iteration uses an update); a cell that no label
names, that is not where the other samples' line of the element puts it, and that the forward
pass does not read as x, is given only to an element it is within 5 % of.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable

from sheetnet.check.eta import eta_cells
from sheetnet.check.evidence import small
from sheetnet.check.geometry import Layout, next_use, reading_distance
from sheetnet.check.grid import Grid, Pos, full_window
from sheetnet.check.labels import (
    delta_named,
    derivative_in_table,
    header_names,
    labelled_as_learned,
    learned_names,
    named_for_another,
    names_sample,
    neuron_names,
    neurons_named,
)
from sheetnet.check.spots import Ident, RunSpots, Spot, either_sign, is_step
from sheetnet.check.thresholds import (
    CLOSE,
    ERROR_CAP,
    EXTRA_ORDER,
    FLIPPED,
    LEFTOVER_ITERATIONS,
    NEGATED_ITERATIONS,
    ORDER_WEIGHT,
    ROW_DISAGREES,
)
from sheetnet.net import FORWARD, MEAN, PARAMETERS, UPDATE


def assign_leftovers(grid: Grid, run: RunSpots, layout: Layout, local: Callable[[Layout, int], dict]) -> None:
    """Give the numbers of the table that match nothing exactly to the elements still without a
    base: one assignment over all of them, by how close each column is to each element's local
    value (within 5 %) in its first iterations, a header that names the element winning."""
    # the other reduction's sums (optional) are found only where a cell holds one, never left over
    # and a gradient whose negative the sheet writes (the delta rule's δ) is written, in that sign
    missing = _missing_in_the_sheets_sign(run, layout)
    if not missing or layout.box == (0, 0, 0, 0):
        return
    explained: set[Pos] = set()
    for ident in layout.bases:
        for t in (0, 1):
            explained.update(layout.shift(b, t) for b in [layout.bases[ident], *layout.copies.get(ident, [])])
    r0, c0, r1, c1 = layout.box
    r0, r1 = layout.block_rows()  # a block's rows under its loss too (its backward rows)
    if layout.stride is None:  # one iteration: its own rows, not the update written below them
        rows = [b[1] for ident, b in layout.bases.items() if not ident[0].startswith(f"{UPDATE}:")]
        r0, r1 = (min(rows), max(rows)) if rows else (r0, r1)

    def starts_a_line(p: Pos) -> bool:  # not the second cell of a column that began one stride before
        if layout.stride is None:
            return True
        before = layout.shift(p, -1)
        return before not in grid.cells or not (r0 <= before[1] <= r1 and c0 <= before[2] <= c1)

    # a number labelled η is η: no number of the run is left over to it (η = 0.5 is within 5 % of
    # an update the table does not write, 0.5212)
    explained.update(eta_cells(grid, layout.sheet))
    explained.update(_copies_on_the_way(grid, layout))
    pool = [
        p
        for p in grid.numbers_on(layout.sheet)
        if r0 <= p[1] <= r1 and c0 <= p[2] <= c1 and p not in explained and starts_a_line(p)
    ]
    # an update sits where the next iteration's parameter is used (one row down in a rows layout):
    # that cell is the update's or no one's (it is the next iteration's parameter)
    reserved: dict[Pos, Ident] = {}
    for spot in missing:
        p = next_use(layout, spot.ident)
        if p is not None and p in grid.cells and p not in pool:
            pool.append(p)
            reserved[p] = spot.ident
    # one iteration: its updates are written in the rows where its other updates are (a row per
    # phase: w9..w12 updated in one row, w1..w8 in the next), and only updates go there
    updates_only: set[Pos] = set()
    if layout.stride is None:
        rows = {b[1] for ident, b in layout.bases.items() if ident[0].startswith(f"{UPDATE}:") and b[0] == layout.sheet}
        updates_only = {
            p
            for p in grid.numbers_on(layout.sheet)
            if p[1] in rows and c0 <= p[2] <= c1 and p not in explained and p not in pool
        }
        pool += sorted(updates_only)
        own_rows = _parameter_rows(layout)  # and each parameter's own row, where it is updated there
        updates_only |= {p for p in pool if p[1] in own_rows}
    if not pool:
        return
    learned = learned_names(grid, run, layout)
    neurons = neuron_names(grid, run, layout, learned)
    read = {ident: p for ident, p in _read_inputs(grid, run, layout).items() if p in pool}
    iterations = min(len(run.iterations), LEFTOVER_ITERATIONS)
    values = local(layout, iterations)
    updates_right = _updates_follow_the_run(grid, run, layout, iterations)
    by_key = {(s.ident, s.t): s for s in run.all() if s.t < iterations}
    previous: dict[Ident, Pos | None] = {}  # the base of the element before it in calculation order
    last: Pos | None = None
    for spot in run.firsts:
        previous[spot.ident] = last
        last = layout.bases.get(spot.ident, last)
    # a sample's own number (no label names it) is left over only where the sheet writes that
    # quantity sample by sample: a residual ŷ − y within 5 % of sample 2's ∂L/∂B1 is no gradient
    per_sample = {either_sign(ident[0])[0] for ident in layout.bases if ident[1] >= 0}  # either sign
    written = {ident[0] for ident in layout.bases}  # the quantities the sheet writes, in the sign it writes them
    cost = [[math.inf] * len(pool) for _ in missing]
    for i, spot in enumerate(missing):
        sample_by_sample = not (spot.samples > 1 and spot.key.s >= 0) or either_sign(spot.ident[0])[0] in per_sample
        for j, p in enumerate(pool):
            if reserved.get(p, spot.ident) != spot.ident or (p in updates_only and spot.quantity.section != UPDATE):
                continue
            if spot.ident in read and read[spot.ident] != p:
                continue  # x is where the forward pass reads it
            if is_step(spot.quantity) and named_for_another(grid, layout, learned, spot, p):
                continue
            # `loss1` over sample 1's loss, `δ o` in sample 1's column over its δ (o: `net o`, `out o`)
            by_sample = names_sample(grid, layout, p, spot) or delta_named(grid, neurons, p, spot)
            if not (sample_by_sample or by_sample):
                continue
            named = (
                by_sample
                or header_names(grid, layout, p, learned, spot)
                or derivative_in_table(grid, layout, p, spot)  # `∂E/∂ h1` beside the row h1 of W1 and B1
                or p == _in_line_with_samples(layout, spot)
                or (spot.ident[0] in written and spot.index in (neurons_named(grid, learned, p, spot) or ()))
            )  # (`err N3` over one neuron's of a quantity the sheet writes neuron by neuron, N3 learned as O1[2])
            errors, negated, equal = [], 0, 0
            for t in range(iterations):
                other = by_key.get((spot.ident, t))
                cell = grid.cells.get(layout.shift(p, t))
                if other is None or cell is None:
                    continue
                expected, found = values.get(other.key, other.value), float(cell.value)
                scale = max(abs(expected), abs(found))
                # a number with its sign flipped is as close as one 1 % off: the commonest slip of all
                # (but a step's negative is the other step, ±η·∂L/∂p)
                flipped = math.inf if is_step(spot.quantity) else abs(found + expected) + FLIPPED * scale
                gap = min(abs(found - expected), flipped)
                errors.append(gap / scale if scale else 0.0)
                negated += expected != 0 and abs(found + expected) <= full_window(scale)
                equal += abs(found - expected) <= full_window(scale)
            if not errors:
                continue
            if not named and updates_right and negated >= NEGATED_ITERATIONS and negated + equal == len(errors):
                continue  # its negative throughout (t − y for ŷ − y), and the updates right: another number
            tiebreak = ORDER_WEIGHT * reading_distance(p, previous[spot.ident])  # equals: in the order of calculation
            # the median forgives a slip; of columns as close at the median, the one that agrees
            # in more rows (x1 beside t in an AND table: they agree in three rows of four)
            errors.sort()
            error = errors[len(errors) // 2]
            tiebreak += ROW_DISAGREES * sum(e > CLOSE for e in errors) / len(errors)
            if spot.extra:
                tiebreak += EXTRA_ORDER  # equals (η = 1: a step is its gradient): the run's own number first
            starts_small = p in grid.cells and small(float(grid.cells[p].value))
            if named and error > CLOSE and starts_small and (is_step(spot.quantity) or spot.quantity.section == MEAN):
                continue  # a `dw` column of 0s far from the step or the mean is another number (a sample's)
            if read.get(spot.ident) == p or named:
                # x where the forward pass reads it, typed wrong or not; a cell its label names, however far
                cost[i][j] = min(error, ERROR_CAP) + tiebreak
            elif (
                error <= CLOSE
                and (spot.negated or not spot.extra)
                and not labelled_as_learned(grid, layout, p, learned, spot)
            ):
                # (a number only homework sheets write, a step or ∂L/∂f(O1), is found by its value
                # or its name, never by nearness alone: but a gradient's negative is left over only
                # where the sheet writes the quantity negated; a cell whose label names a number the
                # table holds elsewhere, `dE/dw21`, is that number's, not a look-alike's)
                cost[i][j] = error + tiebreak
    for i, j in _assignment(cost):
        layout.bases[missing[i].ident] = pool[j]


def _parameter_rows(layout: Layout) -> set[int]:
    """The rows of the table's parameters where every update placed is in its parameter's row (a
    column per phase: w11 in B6, its copy in C6, its update in D6): each parameter's update is then
    in its own row, and only updates go there (w41 updated is no gradient of v2 left over); none
    where an update is placed elsewhere, or none is."""
    pairs = _with_updates(layout)
    if not pairs or any(u[0] != b[0] or u[1] != b[1] for u, b in pairs):
        return set()
    return {b[1] for ident, b in layout.bases.items() if ident[0].startswith(f"{PARAMETERS}:") and b[0] == layout.sheet}


def _copies_on_the_way(grid: Grid, layout: Layout) -> set[Pos]:
    """The cells between a parameter's cell and its update's, on the line joining them, that hold
    the parameter's number, in the table's first two iterations: a column per phase copies a
    parameter on until the phase that updates it (`=B16` between b3 and b3 updated). They are the
    parameter's copies, no other number (b3 = 0.05 is not a gradient of −0.0516 with its sign
    flipped)."""
    out: set[Pos] = set()
    for base, update in _with_updates(layout):
        if update[0] != base[0] or (update[1] != base[1] and update[2] != base[2]):
            continue  # not on one line
        axis = 1 if update[1] != base[1] else 2
        for t in (0, 1):
            first, end = layout.shift(base, t), layout.shift(update, t)
            if first not in grid.cells:
                continue
            step = 1 if end[axis] > first[axis] else -1
            for k in range(first[axis] + step, end[axis], step):
                p = (first[0], k, first[2]) if axis == 1 else (first[0], first[1], k)
                if p in grid.cells and grid.cells[p].value == grid.cells[first].value:
                    out.add(p)
    return out


def _with_updates(layout: Layout) -> list[tuple[Pos, Pos]]:
    """Each placed parameter's cell with its placed update's."""
    pairs = []
    for ident, base in layout.bases.items():
        section, name = ident[0].split(":", 1)
        update = layout.bases.get((f"{UPDATE}:{name}", ident[1], ident[2])) if section == PARAMETERS else None
        if update is not None:
            pairs.append((base, update))
    return pairs


def _missing_in_the_sheets_sign(run: RunSpots, layout: Layout) -> list[Spot]:
    """The elements without a base that the table should hold: not the other reduction's sums, and
    of a gradient and its negative (−∂L/∂p, the delta rule's) the one in the sign the table writes
    that quantity in (a δh2 column for the other samples: this sample's δh2 is −∂L/∂B1 too)."""
    written = {ident[0] for ident in layout.bases}
    missing = []
    for spot in run.firsts:
        if spot.ident in layout.bases:
            continue
        positive, negative = either_sign(spot.ident[0])
        if spot.negated:
            if negative in written and positive not in written:
                missing.append(spot)
        elif spot.optional or _negative_placed(layout, spot):
            continue
        elif not (negative in written and positive not in written):
            missing.append(spot)
    return missing


def _in_line_with_samples(layout: Layout, spot: Spot) -> Pos | None:
    """Where a sample's element goes if the table writes the element for the other samples in a
    line, one sample a row (or a column) on: δh2 of patterns 1, 3 and 4 in N8, N10, N11 puts
    pattern 2's in N9."""
    if spot.key.s < 0:
        return None
    names = set(either_sign(spot.ident[0]))
    others = {ident[1]: b for ident, b in layout.bases.items() if ident[0] in names and ident[2] == spot.ident[2]}
    others.pop(spot.key.s, None)
    if len(others) < 2:
        return None
    (s0, p0), *rest = sorted(others.items())
    s1, p1 = rest[0]
    steps = [(p1[k] - p0[k]) / (s1 - s0) for k in (1, 2)]
    if p1[0] != p0[0] or any(v != int(v) for v in steps):
        return None
    predicted = lambda s: (p0[0], p0[1] + int(steps[0]) * (s - s0), p0[2] + int(steps[1]) * (s - s0))  # noqa: E731
    if any(predicted(s) != b for s, b in others.items()):
        return None
    return predicted(spot.key.s)


def _negative_placed(layout: Layout, spot: Spot) -> bool:
    """True if the layout places the spot's negative, −∂L/∂p (see `spots.negated`)."""
    return (either_sign(spot.ident[0])[1], *spot.ident[1:]) in layout.bases


def _read_inputs(grid: Grid, run: RunSpots, layout: Layout) -> dict[Ident, Pos]:
    """Where the forward pass reads x: the cell a formula of iteration 0's first layer multiplies
    by a placed weight W1[j,i] (`=B5*E5+C5*F5+G5`, `=SUMPRODUCT(B5:C5,E5:F5)+G5`) is x[i] of its
    sample. Inputs and targets of 0 and ±1 cast no vote, and columns of them agree in most rows
    (x1 against a target, online): the formulas that read them say which is which."""
    from sheetnet.formula import Call, FormulaError, Neg, Ref, Rng, factors, parse, terms

    weights: dict[Pos, int] = {}  # a cell of W1 (used) → the input it multiplies
    for ident, base in layout.bases.items():
        if ident[0] == f"{PARAMETERS}:W1":
            weights[base] = ident[2] % run.trace.network.layers[0]
    if not weights:
        return {}
    votes: dict[Ident, Counter[Pos]] = defaultdict(Counter)
    for spot in run.iterations[0]:
        base = layout.bases.get(spot.ident)
        if spot.quantity.section != FORWARD or spot.carried or base is None or base[0] != layout.sheet:
            continue
        cell = grid.cells.get(base)
        if cell is None or not cell.formula:
            continue
        try:
            tree = parse(cell.formula, base[0], grid.sheets, grid.book.names)
        except FormulaError:
            continue
        pairs: list[tuple[Pos, Pos]] = []
        for _, term in terms(tree):
            while isinstance(term, Neg):
                term = term.arg
            if isinstance(term, Call) and term.name == "SUMPRODUCT" and len(term.args) == 2:
                a, b = term.args
                if isinstance(a, Rng) and isinstance(b, Rng) and len(a.cells) == len(b.cells):
                    pairs += zip(a.cells, b.cells, strict=True)
                continue
            refs = [f for f in factors(term) if isinstance(f, Ref)]
            if len(refs) == 2:
                pairs.append((refs[0].pos, refs[1].pos))
        for a, b in pairs:
            for w, p in ((a, b), (b, a)):
                if w in weights and p not in weights and p[0] == layout.sheet:
                    votes[(f"{FORWARD}:x", spot.ident[1], weights[w])][p] += 1
    return {ident: counts.most_common(1)[0][0] for ident, counts in votes.items()}


def _updates_follow_the_run(grid: Grid, run: RunSpots, layout: Layout, iterations: int) -> bool:
    """True if the table's updated parameters are the run's in its first iterations, every one
    placed and every one it writes agreeing (one at least): a number the updates are computed from
    is then not wrong. An update past the table's last row is written nowhere, in any length of
    table (in a rows table the last iteration's is the next row's, never typed): it says nothing."""
    found = 0
    for spots in run.iterations[:iterations]:
        for spot in spots:
            if spot.quantity.section != UPDATE or spot.quantity.name[0] not in "WB" or is_step(spot.quantity):
                continue
            if spot.ident not in layout.bases:
                return False
            p = layout.at(spot.ident, spot.t)
            if p is None or p not in grid.cells:
                continue  # past the table's end
            if not grid.agrees(p, spot.value):
                return False
            found += 1
    return found > 0


def _assignment(cost: list[list[float]]) -> list[tuple[int, int]]:
    """The one-to-one pairs of least total cost among the finite ones."""
    feasible = [(i, j) for i, row in enumerate(cost) for j, c in enumerate(row) if math.isfinite(c)]
    if not feasible:
        return []
    rows_seen, cols_seen = Counter(i for i, _ in feasible), Counter(j for _, j in feasible)
    if all(rows_seen[i] == 1 and cols_seen[j] == 1 for i, j in feasible):
        return feasible  # nothing to choose between
    from scipy.optimize import linear_sum_assignment  # only `check` pays for importing it

    rows = sorted({i for i, _ in feasible})
    cols = sorted({j for _, j in feasible})
    big = 1e6
    matrix = [[cost[i][j] if math.isfinite(cost[i][j]) else big for j in cols] for i in rows]
    chosen_rows, chosen_cols = linear_sum_assignment(matrix)
    return [(rows[a], cols[b]) for a, b in zip(chosen_rows, chosen_cols, strict=True) if matrix[a][b] < big]
