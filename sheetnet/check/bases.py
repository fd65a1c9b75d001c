"""Each element's base, the cell it occupies in iteration 0, chosen from the votes of its matches.

Every cell that holds an element's value exactly (at full precision, or as its correct rounding)
votes for the base it implies: a vote per iteration, weighed by the digits the cell shows
(`base_votes`). 0, ±1 and ±2 do not vote (see `evidence.small`), nor momentum's first v (the
gradient itself). Among cells of equal evidence (equal numbers: x1 = 1 makes ∂E/∂w1 equal ∂E/∂b1),
the model's structure decides (`_Bases`):

- a matrix is a grid of its own, its elements one step apart along rows and columns, written
  either way round (neurons down and inputs across, or transposed: inputs down, neurons across,
  as X·W sheets write W); a bias is one more column of its weights' grid, where a sheet appends a
  1 to the inputs and a row of ones to X (`_matrix_cell`);
- where a stride moves a block or a group of columns, the table's elements share the lines across
  it, so copies of its first iteration beside it (a row per network, each with its own η) are
  other tables (`_Bases.within_the_table`); of equal copies, the one that goes on nearest the run
  is the run's (`_Bases.continuation`);
- a cell that computes the number comes before one that only refers to it (`=N32`).

Guarantee: an element is given a base only among the cells its exact matches vote for, or where
the layout itself puts it (the cell where the next row uses an update, its place in its matrix's
grid), and only if no rule rules the cell out and the evidence is enough. Two elements keep one
cell only if it holds both as exactly in their first iteration and about as often, or one is an
update where the next iteration uses it, which keeps the cell alone (`settle_shared`).
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable

from sheetnet.check.evidence import close, small, vote_weight
from sheetnet.check.geometry import Layout, forward_box, next_use, reading_distance, strides_apart
from sheetnet.check.grid import Grid, Pos, copied_from
from sheetnet.check.labels import (
    element_word_of,
    learned_names,
    named_for_another,
    neurons_named,
    numbered_otherwise,
    other_elements,
    quantity_names,
)
from sheetnet.check.spots import Ident, RunSpots, Spot, is_step
from sheetnet.check.thresholds import (
    CONSTANT_ITERATIONS,
    EARLY_DECAY,
    EVIDENCE_SLACK,
    EXACT_DECADES,
    FULL_WEIGHT,
    MAX_VOTERS,
    NEAR_FORWARD,
    ONE_ITERATION_WEIGHT,
    OTHER_SHEET,
    ROW_LENGTH,
    SHARED_SHARE,
    STAYS,
    TWO_ITERATIONS,
)
from sheetnet.graph import Ref
from sheetnet.net import PARAMETERS, UPDATE

# each element's candidate bases, and for each the evidence of every iteration that votes for it
Votes = dict[Ident, dict[Pos, dict[int, float]]]


def _iteration_zero(grid: Grid, run: RunSpots, layout: Layout) -> Callable[[Pos], bool]:
    """Whether a cell can be one of iteration 0's: near its forward pass, and less than one stride
    past it along the way the table moves (a block below it; anywhere in its row for rows)."""
    box = forward_box(grid, run, layout.sheet)
    if box is None or layout.stride is None:
        return lambda p: True
    r0, c0, r1, c1 = box
    ds, dr, dc = layout.stride
    if ds:
        return lambda p: p[0] == layout.sheet
    m = NEAR_FORWARD
    if dr:
        return lambda p: p[0] == layout.sheet and r0 - m <= p[1] <= max(r1 + m, r0 - m + abs(dr) - 1)
    return lambda p: p[0] == layout.sheet and c0 - m <= p[2] <= max(c1 + m, c0 - m + abs(dc) - 1)


def base_votes(grid: Grid, run: RunSpots, layout: Layout) -> Votes:
    """For each element, the bases its exact matches imply, with the evidence for each: a vote per
    iteration, weighed by how many digits the cell shows (a typed 0.25 agrees with many numbers
    to 4 places; a formula's 0.2499527 with one). A table of a sheet per iteration is looked for
    in iteration t on the sheet t sheets on; any other on its own sheet. Each number is looked
    up, and its cells weighed, once per sheet (an input, a weight that stays: many spots share a
    number), all of them in one search (`Grid.matching`)."""
    sheet, count = layout.sheet, len(grid.sheets)
    by_sheet = layout.stride is not None and layout.stride[0]
    wanted: list[tuple[Spot, int]] = []  # the spots that vote, and the sheet each is looked for on
    numbers: dict[int, set[float]] = defaultdict(set)
    for spots in run.iterations:
        for spot in spots:
            value, t = spot.value, spot.t
            if small(value):
                continue  # 0, ±1, ±2 are everywhere: evidence only where the layout puts them
            if t == 0 and spot.quantity.name.startswith("v(") and isinstance(spot.expr, Ref):
                continue  # momentum's v on its first step is the gradient itself: its column's, not v's
            if not math.isfinite(value) or (by_sheet and sheet + t >= count):
                continue
            s = sheet + t if by_sheet else sheet
            wanted.append((spot, s))
            numbers[s].add(value)
    # each number's cells on a sheet, and the weight of each cell's vote for it
    voters = {
        s: {
            value: [(p, vote_weight(grid, p, value)) for p in cells]
            for value, cells in grid.matching(values, s).items()
            if len(cells) <= MAX_VOTERS
        }
        for s, values in numbers.items()
    }
    votes: Votes = defaultdict(dict)
    for spot, s in wanted:
        found = voters[s].get(spot.value)
        if found is None:
            continue
        options, t = votes[spot.ident], spot.t
        ds, dr, dc = layout.move(-t)  # back from iteration t to iteration 0 (`Layout.shift`)
        for p, weight in found:
            base = (p[0] + ds, p[1] + dr, p[2] + dc)
            ts = options.get(base)
            if ts is None:
                ts = options[base] = {}
            if ts.get(t, 0.0) < weight:
                ts[t] = weight
    return votes


def choose_bases(grid: Grid, run: RunSpots, layout: Layout, votes: Votes) -> dict[Ident, tuple[float, float]]:
    """Each element's base, from the cells whose exact matches vote for it (see `_Bases`)."""
    chooser = _Bases(grid, run, layout, votes)
    for spot in chooser.order():
        chooser.choose(spot)
    line_up(layout, votes, chooser.support, chooser.shapes)
    settle_shared(layout, chooser.support)
    return chooser.support


class _Bases:
    """Chooses each element's base among those its exact matches vote for.

    Order: the numbers that change first, then those that stay the same (x, y, a frozen bias: a
    column of 1s may be any of them), then those only homework sheets write.

    Rank (best first): where the next iteration uses an updated parameter (rows); a label naming
    the very element (`B3[0]`); the evidence, the early iterations counting most (before any slip
    they agree, and a row pasted twice shifts only the later ones); a label naming its quantity;
    a cell no other element took; the nearest after the previous element's in reading order (the
    order of calculation is the order people write).

    A base is then taken if nothing rules it out (`ruled_out`) and the evidence is enough
    (`enough`).
    """

    def __init__(self, grid: Grid, run: RunSpots, layout: Layout, votes: Votes) -> None:
        self.grid, self.run, self.layout, self.votes = grid, run, layout, votes
        self.spots = run.by_element
        self.several = len(run.iterations) > 1
        self.decays = _decays(len(run.iterations))
        self.taken: set[Pos] = set()
        self.anchor: Pos | None = None
        self.primaries: dict[Pos, float] = {}  # the cells numbers of the run hold, on what evidence
        self.support: dict[Ident, tuple[float, float]] = {}  # how exactly in its first iteration, how often
        self.in_iteration_zero = _iteration_zero(grid, run, layout)
        self.claims: Counter[Pos] = Counter(b for options in votes.values() for b, ts in options.items() if 0 in ts)
        self.forward = forward_box(grid, run, layout.sheet)
        self.constant = _constant(run) if self.several else set()
        self.shapes = {s.ident[0]: s.quantity.shape for s in run.iterations[0]}
        self.learned: dict[str, Ident] | None = None  # labels of the run's own columns, once they are placed
        self.on_grid: Pos | None = None  # where the element's matrix's grid puts the element being chosen
        self.learned_at: tuple[int, dict[str, Ident]] = (-1, {})  # `learned_names` at so many bases
        # a label token → the quantity name of the first number placed under it, and its cell
        self.labelled: dict[str, tuple[str, Pos]] = {}

    def order(self) -> list[Spot]:
        return sorted(self.run.firsts, key=lambda s: (s.extra, s.ident in self.constant))

    def choose(self, spot: Spot) -> None:
        ranked = self.within_the_table(self.ranked(spot))
        for base, ts in ranked:
            if not self.ruled_out(spot, base, ts) and self.enough(spot, base, ts):
                break
        else:
            return
        layout, total = self.layout, sum(ts.values())
        layout.bases[spot.ident] = base
        self.support[spot.ident] = (ts[min(ts)], total)
        self.taken.add(base)
        if not spot.extra:
            self.primaries[base] = max(self.primaries.get(base, 0.0), total)
        self.anchor = base
        for token in self.grid.labels(base):
            self.labelled.setdefault(token, (spot.quantity.name, base))
        copies: list[Pos] = []
        for b, c in ranked:  # other columns holding the element everywhere (a helper's copy), one per column
            if sum(c.values()) >= TWO_ITERATIONS and not any(strides_apart(layout, a, b) for a in [base, *copies]):
                copies.append(b)
        if copies:
            layout.copies[spot.ident] = copies

    def ranked(self, spot: Spot) -> list[tuple[Pos, dict[int, float]]]:
        grid, names, word = self.grid, quantity_names(spot), element_word_of(spot)
        after_use, anchor = _after_use(self.layout, spot), self.anchor
        distance = reading_distance
        if spot.ident in self.constant and self.layout.bases:
            # an input written beside every table (the same in each): the one nearest this table's numbers
            rows = sorted(b[1] for b in self.layout.bases.values())
            cols = sorted(b[2] for b in self.layout.bases.values())
            anchor = (self.layout.sheet, rows[len(rows) // 2], cols[len(cols) // 2])
            distance = _distance

        on_grid = self.on_grid = _matrix_cell(self.layout, spot, self.shapes)

        def rank(item: tuple[Pos, dict[int, float]]) -> tuple:
            base, ts = item
            return (
                base != after_use,
                word not in grid.words(base),
                -_early(ts, self.decays),
                self.continuation(spot, base, ts),
                not spot.carried and base in grid.cells and copied_from(grid.cells[base]) is not None,  # not `=N32`
                on_grid is not None and base != on_grid,
                not self.names_quantity(names, spot, base),
                base in self.taken,
                numbered_otherwise(grid, self.layout, base, spot) or self.names_another_neuron(spot, base),
                self.written_before(spot, base),
                distance(base, anchor),
            )

        others = other_elements(spot)  # a label naming another element of the quantity rules a cell out
        options = self.votes.get(spot.ident, {})
        ranked = [(b, ts) for b, ts in options.items() if not others & grid.words(b)]
        if not spot.carried:  # a number of the run is computed in the iteration's own rows
            ranked = [item for item in ranked if self.in_iteration_zero(item[0])]  # (sorted after: fewer)
        ranked.sort(key=rank)
        if after_use is not None and after_use in grid.cells and after_use not in options:
            ranked.insert(0, (after_use, {0: 1.0, 1: 1.0}))  # written where it is used next, as rows are
        elif on_grid is not None and on_grid not in options and self.holds(spot, on_grid):
            ranked.insert(0, (on_grid, {0: 1.0, 1: 1.0}))  # where its matrix's grid puts it (a 0, a 1 there)
        return ranked

    def names_quantity(self, names: set[str], spot: Spot, base: Pos) -> bool:
        """True if a label of `base` names the spot's quantity (`o1`, `∂L/∂W2`), and the sheet has not
        given that label to another quantity's number in another cell: `w2` over W1[1,0] (weights
        named w1..w12) does not name W2 in the cell below it."""
        name = spot.quantity.name  # (W1 used and W1 updated are one parameter's)
        for token in names & set(self.grid.labels(base)):
            other, cell = self.labelled.get(token, (name, base))
            if other == name or cell == base:
                return True
        return False

    def names_another_neuron(self, spot: Spot, base: Pos) -> bool:
        """True if a label of `base` names another neuron of the spot's layer, by a name the sheet's
        own columns teach (`err N3` over a number offered to ∂L/∂f(O1)[3], N3 learned as O1[2]):
        of two cells holding one number, each neuron's element takes the one its name is over."""
        if self.learned_at[0] != len(self.layout.bases):  # the names learned so far
            self.learned_at = (len(self.layout.bases), learned_names(self.grid, self.run, self.layout))
        named = neurons_named(self.grid, self.learned_at[1], base, spot)
        return bool(named) and spot.index not in named

    def written_before(self, spot: Spot, base: Pos) -> int:
        """For an updated parameter in a table of one iteration, how many rows below the parameter's
        own cell, in its column, a cell is, negated (0 elsewhere): of copies of it down the column
        (a row per phase copies it on, `=D5`), the last is the iteration's result, the one the next
        iteration would read."""
        section, name = spot.ident[0].split(":", 1)
        if section != UPDATE or self.layout.stride is not None:
            return 0
        used = self.layout.bases.get((f"{PARAMETERS}:{name}", -1, spot.ident[2]))
        if used is None or used[0] != base[0] or used[2] != base[2] or base[1] <= used[1]:
            return 0
        return used[1] - base[1]

    def holds(self, spot: Spot, base: Pos) -> bool:
        """True if the cells from `base` hold the element in its first two iterations."""
        for t in (0, 1):
            other = self.spots.get((spot.ident, t))
            p = self.layout.shift(base, t)
            if other is not None and (p not in self.grid.cells or not self.grid.agrees(p, other.value)):
                return False
        return True

    def within_the_table(self, ranked: list[tuple[Pos, dict[int, float]]]) -> list[tuple[Pos, dict[int, float]]]:
        """Where an iteration takes a group of rows or columns (a block, or a group of columns per
        iteration in a row per network), the table's elements share the lines across the way it
        moves: its rows when it moves across, its columns when it moves down. A line outside the
        span of the bases found in two iterations or more, that holds iteration 0 of one of them
        again, in line with it, is another table beside this one (a network per row, each with
        its own η: the same in iteration 0). A cell there holding an element in one iteration only
        is that table's: the element is left to the cells left over (its own, wrong)."""
        stride = self.layout.stride
        if stride is None or stride[0] or max(abs(stride[1]), abs(stride[2])) < 2:
            return ranked
        axis = 1 if stride[2] else 2  # moving across: the table's rows; down: its columns
        strong = [i for i, (_, total) in self.support.items() if total >= TWO_ITERATIONS]
        if not strong or not any(len(ts) == 1 for _, ts in ranked):
            return ranked
        lo = min(self.layout.bases[i][axis] for i in strong)
        hi = max(self.layout.bases[i][axis] for i in strong)
        along = 3 - axis  # the coordinate the stride moves
        others: set[int] = set()
        for ident in strong:
            base = self.layout.bases[ident]
            if ident in self.constant or small(self.spots[(ident, 0)].value if (ident, 0) in self.spots else 0):
                continue  # x, y and small integers are written everywhere: they mark no table
            for b, ts in self.votes.get(ident, {}).items():
                if 0 in ts and b[along] == base[along] and not lo <= b[axis] <= hi:
                    others.add(b[axis])
        return [(b, ts) for b, ts in ranked if len(ts) > 1 or b[axis] not in others]

    def continuation(self, spot: Spot, base: Pos, ts: dict[int, float]) -> int:
        """How closely the cell one stride on holds the element's next number, where it does not
        hold it exactly, in decades of relative error (0 when it is exact, absent or there is no
        next iteration). Of copies that agree equally in iteration 0 (a network per row, each row
        with its own η), the one that goes on nearest the run is the run's, slips and all."""
        t = min(ts) + 1
        if self.layout.stride is None or t in ts:
            return 0
        after = self.spots.get((spot.ident, t))
        cell = self.grid.cells.get(self.layout.shift(base, t))
        if after is None or cell is None:
            return 0
        found = float(cell.value)
        before, here = self.spots.get((spot.ident, t - 1)), self.grid.cells.get(self.layout.shift(base, t - 1))
        if before is not None and here is not None and here.value == cell.value and before.value != after.value:
            return 0  # a cell that stays while the element moves (an input of 0.4 beside W1's 0.4) goes on nowhere
        scale = max(abs(found), abs(after.value))
        gap = abs(found - after.value) / scale if scale else 0.0
        return math.ceil(math.log10(gap)) if gap > 0 else EXACT_DECADES

    def ruled_out(self, spot: Spot, base: Pos, ts: dict[int, float]) -> bool:
        grid, layout, constant = self.grid, self.layout, spot.ident in self.constant
        if (spot.extra or constant) and base in self.primaries:
            return True  # a number that changes, or that is the run's own, holds the cell
        if constant and len(ts) < CONSTANT_ITERATIONS:
            return True  # a number that stays is known by staying (a counter starts at 0 or 1 too)
        if constant and self.layout.kind == "rows" and not self.agrees_throughout(spot, base):
            return True  # μ = 0.9 above x2 = 0.9 stays for a row, then the column holds weights
        if is_step(spot.quantity) and self.named_for_another(spot, base):
            return True  # `dE/dw3` over a step of w2's size (η·x2 = x1): w3's gradient, wrong
        if not spot.carried and self.contradicted(spot, base, ts):
            return True  # db1 beside dw1: equal where x1 is 1, another number where dw1 is 0
        if (
            not constant
            and _stays(grid, layout, base, len(self.run.iterations))
            and not self.agrees_throughout(spot, base, judged=True)
        ):
            # a column of one number over the whole table (x = 1) is no number that changes; one
            # that changes by less than the rounding of a typed column is (w3 = 0.25 typed to 4
            # places with steps of 5e-5: the rounding carried forward keeps it 0.25, the run
            # drifts to 0.2498)
            return True
        if base in self.primaries and sum(ts.values()) < self.primaries[base] - EVIDENCE_SLACK:
            return True  # another number holds this cell on better evidence
        starts_later = spot.carried and not constant  # the weights used, after an update
        if not starts_later and any(layout.shift(base, u) not in grid.cells for u in range(min(ts))):
            return True  # a column holds a number in every iteration from the table's first
        return _after_use(layout, spot) is None and _continues_a_column(grid, layout, base, spot)

    def contradicted(self, spot: Spot, base: Pos, ts: dict[int, float]) -> bool:
        """True if, in an iteration before the first the cell holds the element in, the element is
        0, ±1 or ±2, which cast no vote (x1 = 0 makes ∂L/∂W1[0,0] 0), and the cell holds another number;
        or the cell holds the element's negative there (t − y, equal to ∂L/∂W1 where x1 is −1)."""
        for u in range(min(ts)):
            other = self.spots.get((spot.ident, u))
            p = self.layout.shift(base, u)
            cell = self.grid.cells.get(p)
            if other is None or cell is None or isinstance(cell.value, bool):
                continue
            if not small(other.value):
                # t − y where ∂L/∂W1 = (y − t)·x1: the cell holds the element's negative until
                # x1 is −1, where the two agree (inputs of ±1, online): another number
                if self.grid.agrees(p, -other.value) and not self.grid.agrees(p, other.value):  # (0.0000 is both)
                    return True
                continue
            if (
                isinstance(cell.value, (int, float))
                and not isinstance(cell.value, bool)
                and not self.grid.agrees(p, other.value)
            ):
                return True
        return False

    def named_for_another(self, spot: Spot, base: Pos) -> bool:
        """`named_for_another`, by the labels of the run's own numbers (placed before any step)."""
        if self.learned is None:
            self.learned = learned_names(self.grid, self.run, self.layout)
        return named_for_another(self.grid, self.layout, self.learned, spot, base)

    def agrees_throughout(self, spot: Spot, base: Pos, judged: bool = False) -> bool:
        """True if every iteration's cell holds the element's number as it is written: a number that
        changes slowly, typed to 4 places, is the same in the first few iterations (O1 = 0.0275).
        `judged`: within what the judge accepts of a typed number (`Grid.agrees_as_typed`), not
        its correct rounding alone."""
        agrees = self.grid.agrees_as_typed if judged else self.grid.agrees
        for t in range(len(self.run.iterations)):
            p = self.layout.shift(base, t)
            other = self.spots.get((spot.ident, t))
            if p in self.grid.cells and (other is None or not agrees(p, other.value)):
                return False
        return True

    def enough(self, spot: Spot, base: Pos, ts: dict[int, float]) -> bool:
        """Two iterations' worth of evidence; or one, where nothing else can explain it: iteration
        0 (before any slip), at full precision, where the element's matrix's grid puts it (the grid
        is the second witness: a bias of 0.1 beside x = 0.1); iteration 0 and no other number
        there; an exact match whose next iteration is close (a number that agrees once by chance
        makes no column); an input typed as it is in line with the forward pass."""
        first = min(ts)
        if sum(ts.values()) >= TWO_ITERATIONS:
            return True
        if first == 0 and base == self.on_grid and max(ts.values()) >= FULL_WEIGHT:
            return True  # iteration 0's number where its matrix's grid puts it: the grid is the second witness
        if (
            first == 0
            and self.in_iteration_zero(base)
            and self.claims[base] == 1
            and max(ts.values()) >= ONE_ITERATION_WEIGHT
        ):
            return True
        if max(ts.values()) < FULL_WEIGHT:
            return False
        if not self.several or _continues(self.grid, self.layout, base, first, spot.ident, self.spots):
            return True
        forward = self.forward
        in_forward_rows = forward is not None and base[0] == self.layout.sheet and forward[0] <= base[1] <= forward[2]
        return spot.carried and first == 0 and in_forward_rows and self.grid.cells[base].formula is None


def _constant(run: RunSpots) -> set[Ident]:
    """The elements whose number is the same in every iteration (x, y, a frozen bias), as a set of
    their numbers would hold one: an element that changes is told at its first change."""
    spots, iterations = run.by_element, range(len(run.iterations))
    out = set()
    for first in run.firsts:
        ident, value = first.ident, first.value
        for t in iterations:
            other = spots.get((ident, t))
            if other is not None and other.value is not value and other.value != value:
                break
        else:
            out.add(ident)
    return out


def settle_shared(layout: Layout, support: dict[Ident, tuple[float, float]]) -> None:
    """Two elements in one cell: both stay only if the cell holds both as exactly in their first
    iteration and as often (with i1 = 1, ∂E/∂w1 is ∂L/∂B1[0] in every row); else the other has no
    cell (a weight typed as 0.25 that stays near it, against f'(O1) = 0.2499… agreeing only to the
    rounding for a few iterations)."""
    holders: dict[Pos, list[Ident]] = defaultdict(list)
    for ident, base in layout.bases.items():
        holders[base].append(ident)
    for base, idents in holders.items():
        if len(idents) > 1:
            # an update in the cell where the next iteration uses the parameter is held there by
            # the layout itself: it keeps the cell
            placed = [i for i in idents if next_use(layout, i) == base]
            if placed:
                for ident in idents:
                    if ident not in placed:
                        del layout.bases[ident]
                continue
            held = {i: support.get(i, (0.0, 0.0)) for i in idents}  # (0, 0): a column left over
            exact = max(h[0] for h in held.values())
            often = max(h[1] for h in held.values() if h[0] == exact)
            for ident, (first, total) in held.items():
                if first < exact or total < SHARED_SHARE * often:
                    del layout.bases[ident]


def line_up(
    layout: Layout, votes: Votes, support: dict[Ident, tuple[float, float]], shapes: dict[str, tuple[int, ...]]
) -> None:
    """A vector is written in a line, its elements one cell apart: of the cells holding an element
    on equal evidence, the one on the line most of its vector's elements lie on (half of them, two
    at least, more than on any other line: `_line`) is its own, where no other element took it. A
    number that only equals the element (net h3 = b3 = 0.05, b3's copy in a column per phase)
    gives way to the cell between net h2 and net h4; each element is chosen before the next is
    placed, so the line is known only here. (A matrix is a grid, not a line: `_matrix_cell`.)
    `shapes`: each quantity's."""
    vectors: dict[tuple[str, int], dict[int, Pos]] = defaultdict(dict)
    for ident, base in layout.bases.items():
        if len(shapes.get(ident[0], ())) == 1:
            vectors[(ident[0], ident[1])][ident[2]] = base
    taken = set(layout.bases.values())
    for (quantity, sample), placed in vectors.items():
        line = _line(placed)
        if line is None:
            continue
        for index, base in sorted(placed.items()):
            p, ident = line(index), (quantity, sample, index)
            options = votes.get(ident, {})
            if p == base or p in taken or p not in options:
                continue
            if sum(options[p].values()) < sum(options.get(base, {}).values()):
                continue
            layout.bases[ident] = p
            taken.add(p)
            support[ident] = (options[p][min(options[p])], sum(options[p].values()))


def _line(placed: dict[int, Pos]) -> Callable[[int], Pos] | None:
    """The cell of element k of a vector by the line most of its `placed` elements (element →
    cell) lie on, one cell apart per element, down or across: half of them and two at least, and
    more than on any other line; None if no line holds so many."""
    lines: Counter[tuple[int, int, int, int, int]] = Counter()  # sheet, element 0's row and column, step
    for k, (s, r, c) in placed.items():
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            lines[(s, r - k * dr, c - k * dc, dr, dc)] += 1
    if not lines:
        return None
    ((s, r0, c0, dr, dc), on), *rest = lines.most_common(2)
    if on < 2 or 2 * on < len(placed) or (rest and rest[0][1] == on):
        return None  # too few on it, or two lines as good
    return lambda k: (s, r0 + k * dr, c0 + k * dc)


def _matrix_cell(layout: Layout, spot: Spot, shapes: dict[str, tuple[int, ...]]) -> Pos | None:
    """Where a matrix's element goes, by the elements of it already placed: a matrix is written as
    a grid, its rows (neurons) down and its columns (inputs) across, or transposed (inputs down,
    neurons across, as X·W sheets write W). A bias (B1, ∂L/∂B1, its step, its update) goes where
    sheets that append a 1 to the inputs write it: one more column of its weights' grid (W1,
    ∂L/∂W1, …), the column the 1 multiplies. None if too few are placed to say, or no grid."""
    q = spot.quantity
    section, name = spot.ident[0].split(":", 1)
    if len(q.shape) == 2:
        cell = _grid(layout, spot.ident[0], spot.ident[1], q.shape)
        return cell(*divmod(spot.index, q.shape[1])) if cell is not None else None
    weights = re.sub(r"B(\d+)", r"W\1", name)
    if len(q.shape) != 1 or weights == name:
        return None
    shape = shapes.get(f"{section}:{weights}")
    if shape is None or len(shape) != 2:
        return None
    cell = _grid(layout, f"{section}:{weights}", spot.ident[1], shape)
    return cell(spot.index, shape[1]) if cell is not None else None


def _grid(layout: Layout, quantity: str, sample: int, shape: tuple[int, ...]) -> Callable[[int, int], Pos] | None:
    """The cell of element [j, i] of a matrix quantity, by the grid its placed elements form: a
    grid of unit steps either way round, or one line in either order, one axis a unit step and the
    other a step over all of the first (w1..w4 the first input's weights, w5..w8 the second's)."""
    cols = shape[1]
    items = [
        (divmod(k, cols), base)
        for k in range(shape[0] * cols)
        if (base := layout.bases.get((quantity, sample, k))) is not None
    ]
    if not items:
        return None
    lengths = {"i": shape[0], "j": cols}  # a line's step over all of the other axis
    steps: dict[str, tuple[int, int]] = {}  # the move from one neuron to the next (j), one input to the next (i)
    for (a, pa), (b, pb) in itertools.combinations(items, 2):
        if pa[0] != pb[0]:
            continue
        move = (pb[1] - pa[1], pb[2] - pa[2])
        for axis, k in (("i", 1), ("j", 0)):
            if a[1 - k] == b[1 - k] and a[k] != b[k]:
                d = b[k] - a[k]
                if move[0] % d == 0 and move[1] % d == 0 and sorted(map(abs, (move[0] // d, move[1] // d)))[0] == 0:
                    if max(map(abs, (move[0] // d, move[1] // d))) in (1, lengths[axis]):
                        steps.setdefault(axis, (move[0] // d, move[1] // d))
    if not steps:
        return None
    i_step, j_step = steps.get("i"), steps.get("j")
    if i_step is None or j_step is None:  # the other axis: across the grid, or along the line
        known, axis = (j_step, "j") if i_step is None else (i_step, "i")
        n = lengths[axis]
        other = (known[0] // n, known[1] // n) if n > 1 and max(map(abs, known)) == n else (known[1], known[0])
        i_step, j_step = (other, known) if i_step is None else (known, other)
    (j0, i0), first = items[0]
    row0 = first[1] - j0 * j_step[0] - i0 * i_step[0]
    col0 = first[2] - j0 * j_step[1] - i0 * i_step[1]

    def cell(j: int, i: int) -> Pos:
        return (first[0], row0 + j * j_step[0] + i * i_step[0], col0 + j * j_step[1] + i * i_step[1])

    cells = {cell(j, i) for j in range(shape[0]) for i in range(cols)}
    if len(cells) < shape[0] * cols:
        return None  # two elements in one cell: no grid
    return cell if all(cell(*ji) == p for ji, p in items) else None


def _stays(grid: Grid, layout: Layout, base: Pos, iterations: int) -> bool:
    """True if the cells from `base` on hold one and the same number in every iteration (three at
    least)."""
    count, first = 0, None
    for t in range(iterations):
        cell = grid.cells.get(layout.shift(base, t))
        if cell is None:
            continue
        if count and cell.value != first:
            return False  # two numbers
        count, first = count + 1, cell.value
    return count >= STAYS


def _early(ts: dict[int, float], decays: list[float]) -> float:
    """The evidence for a base, the early iterations counting most: before any slip they agree, and
    a row pasted twice later shifts only the later ones. `decays`: `_decays`, as many as iterations."""
    return sum(map(operator.mul, ts.values(), map(decays.__getitem__, ts)))  # w·decay(t), in the order of ts


def _decays(iterations: int) -> list[float]:
    """How much each iteration's evidence counts: EARLY_DECAY**t for t = 0 … iterations − 1."""
    return [EARLY_DECAY**t for t in range(iterations)]


def _after_use(layout: Layout, spot: Spot) -> Pos | None:
    """Where a rows table writes an updated parameter: where the next row uses it."""
    return next_use(layout, spot.ident) if layout.kind == "rows" else None


def _continues_a_column(grid: Grid, layout: Layout, base: Pos, spot: Spot) -> bool:
    """True if the cell one stride before `base` holds a number, one row before in a rows table;
    for an optimizer's state (momentum's v, Adam's m and v), a number but the 0 it starts from (a
    row `v0` of zeros above the first iteration's)."""
    if layout.kind != "rows":
        return False
    before = grid.cells.get(layout.shift(base, -1))
    if before is None:
        return False
    return not (spot.quantity.name.startswith(("v(", "m(")) and float(before.value) == 0)


def _continues(
    grid: Grid, layout: Layout, base: Pos, t: int, ident: Ident, spots: dict[tuple[Ident, int], Spot]
) -> bool:
    """True if the cell of the next iteration (or the previous) holds a number close to the element's."""
    for u in (t + 1, t - 1):
        spot = spots.get((ident, u))
        if spot is None:
            continue
        cell = grid.cells.get(layout.shift(base, u))
        if cell is None:
            return False
        here = float(cell.value)
        return close(here, spot.value) or close(here, spots[(ident, t)].value)
    return True


def _distance(p: Pos, anchor: Pos | None) -> int:
    """How far `p` is from `anchor`, rows weighing more than columns, either way."""
    if anchor is None or p[0] != anchor[0]:
        return OTHER_SHEET
    return abs(p[1] - anchor[1]) * ROW_LENGTH + abs(p[2] - anchor[2])
