"""What a workbook trains, read from its formulas: its updates, chained into iterations.

An *update* is a formula `p ± step` (`=E36-$G$33*X36`, `=+C9-$E$3*C29`, `=L4+Q4*AG4*0.001`,
`=G5+H5` with `H5 = −η·g`) whose step depends on what `p` feeds: the step reads the workbook's
own calculation from `p`. `p` is a parameter; the update is its next value. Following each
parameter from the number typed first through its updates (copies followed, across sheets)
gives a *chain*, and the chains side by side give the iterations, whichever way the workbook
runs them: down rows, across columns, in blocks, a sheet per iteration, a row per sample.

A column that repeats `w − η·g` and feeds nothing is no update: a chain is kept only if one of
its updates feeds the workbook's calculation, and an update that feeds nothing only where it
stands as that chain's other updates stand (the last iteration of a sheet per iteration).

Guarantee: every `Update` found reads its parameter through its step, and every chain's cells
are distinct and in the order the workbook computes them.
"""

from __future__ import annotations

import functools
import math
import sys
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from sheetnet.cells.formulas import Formulas
from sheetnet.formula import Node, Pos, Ref, cells_read, signed_sum, terms

REACH = 200  # cells searched back from a step for its parameter: an iteration of homework is far smaller
TYPED_AGAIN = 20  # rows above a typed parameter searched for the number it repeats (a phase's rows)
# the share of a parameter's readers an update's readers must repeat, moved as the update is: all of
# them in a homework table; more than half leaves room for a chart or a summary reading one of them,
# and none for a pre-activation, whose one reader in two that lines up does so by chance
CARRIED_SHARE = 0.5
REACH_TABLE = 20_000  # cells followed from a parameter to find the table it belongs to (an iteration's)
MAX_CHAIN = 100_000  # links of one chain at most (a loop of updates is no chain)


@dataclass(frozen=True)
class Update:
    """A parameter's next value: `cell` holds `previous` (as written) plus `step`."""

    cell: Pos
    previous: Pos
    parameter: Pos  # `previous` with copies followed
    step: Node  # the signed sum of the formula's other terms
    term: int = field(compare=False, repr=False)  # the formula's term that is `previous`
    # the cells the step reads, a range's one by one, in reading order (`formula.cells_read`)
    reads: tuple[Pos, ...] = field(compare=False, repr=False)

    @functools.cached_property
    def offset(self) -> tuple[int, int, int]:
        """Where the update stands from the parameter cell it reads (sheets, rows, columns)."""
        (s, r, c), (s0, r0, c0) = self.cell, self.previous
        return (s - s0, r - r0, c - c0)


@dataclass
class Chains:
    """Each trained parameter's cells, iteration by iteration (the first typed, then each update)."""

    links: list[list[Pos]]
    updates: dict[Pos, Update]  # by the update's cell
    unread: list[Pos] = field(default_factory=list)  # updates of a parameter no other formula reads
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # worked out once, by readers

    @property
    def iterations(self) -> int:
        """Iterations with an update after them (the longest chain's)."""
        return max((len(c) - 1 for c in self.links), default=0)

    def variables(self, t: int) -> dict[Pos, int]:
        """The parameters' cells of iteration `t`, numbered by chain."""
        return {chain[t]: j for j, chain in enumerate(self.links) if len(chain) > t + 1}

    def update(self, j: int, t: int) -> Update:
        return self.updates[self.links[j][t + 1]]

    def tables(self, formulas: Formulas) -> list[Chains]:
        """The chains grouped into the tables that train together: chains whose first iteration's
        calculations meet (two tables side by side, a sheet per η, never do)."""
        group = list(range(len(self.links)))

        def root(j: int) -> int:
            while group[j] != j:
                group[j] = group[group[j]]
                j = group[j]
            return j

        updates = set(self.updates)
        owner: dict[Pos, int] = {}
        for j, chain in enumerate(self.links):
            for cell in _reach(formulas, chain[0], updates) or _computed_behind(formulas, self.updates[chain[1]]):
                if cell in owner:
                    group[root(j)] = root(owner[cell])
                else:
                    owner[cell] = j
        members: dict[int, list[int]] = defaultdict(list)
        for j in range(len(self.links)):
            members[root(j)].append(j)
        tables = []
        for js in sorted(members.values()):
            links = [self.links[j] for j in js]
            cells = {c for chain in links for c in chain[1:]}
            tables.append(Chains(links, {c: u for c, u in self.updates.items() if c in cells}))
        return tables


def _reach(formulas: Formulas, start: Pos, stops: set[Pos]) -> set[Pos]:
    """The cells a parameter's first value reaches through the formulas that read it, up to updates."""
    todo, seen = [start], {start}
    while todo and len(seen) < REACH_TABLE:
        for reader in formulas.readers(todo.pop()):
            if reader not in seen and reader not in stops:
                seen.add(reader)
                todo.append(reader)
    seen.discard(start)
    return seen


def _computed_behind(formulas: Formulas, update: Update) -> set[Pos]:
    """The calculations a step is computed from: where a parameter no calculation reads (b4, left
    out of `neta o2`) is trained, the table it trains with is the one its gradient is computed in."""
    return formulas.behind(update.reads, formulas.computed)


def find_chains(formulas: Formulas) -> Chains:
    """The workbook's update chains (none if it trains nothing by formula)."""
    candidates, continuations = [], defaultdict(list)
    sums: dict[int, bool] = {}  # by a formula shape's template: whether it is a sum with a reference in it
    reads_back_to = _ReadsBack(formulas)
    for pos in formulas.trees:
        template = formulas.template(pos)
        key = id(template)
        if key not in sums:
            sums[key] = _may_update(template)  # type: ignore[arg-type]
        if not sums[key]:
            continue
        for update, reads_back in _updates(formulas, pos, reads_back_to):
            if reads_back:
                candidates.append(update)
            else:
                continuations[update.parameter].append(update)
    candidates = _own_parameters_kept(formulas, candidates)
    feeding = {u.cell for u in candidates if feeds(formulas, u.cell) and _carries_on(formulas, u)}
    by_parameter: dict[Pos, list[Update]] = defaultdict(list)
    for u in candidates:
        by_parameter[u.parameter].append(u)
    usual = Counter(u.offset for u in candidates if u.cell in feeding)
    chosen: dict[Pos, Update] = {}
    for parameter, options in by_parameter.items():
        best = max(options, key=lambda u: (u.cell in feeding, usual[u.offset], u.cell))
        if best.cell in feeding or usual[best.offset] or not feeding:
            chosen[parameter] = best
    adopted = _unread_updates(formulas, continuations, chosen, usual)
    chosen.update((u.parameter, u) for u in adopted.values())
    links: list[list[Pos]] = []
    following = {u.cell for u in chosen.values()}
    for start in sorted(p for p in chosen if p not in following and formulas.typed(p)):
        chain, seen = [start], {start}
        while len(chain) < MAX_CHAIN:
            nxt = chosen.get(chain[-1]) or _continuation(continuations[chain[-1]], chain, chosen)
            if nxt is None or nxt.cell in seen:
                break
            chosen[chain[-1]] = nxt
            chain.append(nxt.cell)
            seen.add(nxt.cell)
        if not feeding or any(c in feeding for c in chain[1:]) or chain[1] in adopted or _trains_on(chain, chosen):
            links.append(chain)
    links.sort(key=lambda chain: chain[0])
    kept = {c for chain in links for c in chain[1:]}
    unread = [
        u.cell
        for options in continuations.values()
        for u in options
        if u.cell not in kept and formulas.typed(u.parameter) and _only_read_by(formulas, u.parameter, u.cell)
    ]
    return Chains(links, {u.cell: u for u in chosen.values() if u.cell in kept}, sorted(unread))


def _own_parameters_kept(formulas: Formulas, candidates: list[Update]) -> list[Update]:
    """The candidates, less those that read a number typed again as another parameter (`_typed_above`)
    where that number is trained itself: a typed cell with an update of its own is a parameter of its
    own (c, −0.1, under b2, −0.1), not a copy of the one above it, so a sum that adds it is no update."""
    own = {u.parameter for u in candidates if u.parameter == formulas.original(u.previous)}
    return [u for u in candidates if (repeated := formulas.original(u.previous)) == u.parameter or repeated not in own]


def _unread_updates(
    formulas: Formulas, continuations: dict[Pos, list[Update]], chosen: dict[Pos, Update], usual: Counter
) -> dict[Pos, Update]:
    """The updates (by cell) of typed parameters that no formula but the update reads, standing where the
    chosen updates usually stand from their parameters (`b4 nuevo = b4 − tasa·dE/db4` beside the
    others, while `neta o2` forgets b4), by a step computed from the sheet's calculations: the sheet
    trains them as it trains the others, so they are judged as the others are, and a step the loss
    does not ask for (∂L/∂b4 = 0) is a slip. A difference `t − y` whose `t` only it reads stands
    elsewhere, and a count `=A44+1` steps by no calculation: neither is an update."""
    return {
        u.cell: u
        for options in continuations.values()
        for u in options
        if u.parameter not in chosen
        and usual[u.offset]
        and formulas.typed(u.parameter)
        and _only_read_by(formulas, u.parameter, u.cell)
        and _computed_behind(formulas, u)
    }


def _trains_on(chain: list[Pos], chosen: dict[Pos, Update]) -> bool:
    """True if each update of the chain is the parameter of the next, every one standing where the
    first stands from its parameter: the sheet trains it on, whatever its forward pass reads (a `$`
    that pins every block's z to the first block's W). A column of `w − η·g` that feeds nothing
    never has a next update reading it."""
    offsets = {chosen[p].offset for p in chain[:-1]}
    return len(chain) > 2 and len(offsets) == 1


def _only_read_by(formulas: Formulas, parameter: Pos, update: Pos) -> bool:
    """True if no formula but `update` reads the parameter (or a copy of it): the forward pass
    that should read it reads another cell in its place."""
    return all(
        r == update or formulas.copied(r) is not None
        for c in (parameter, *formulas.copies(parameter))
        for r in formulas.readers(c)
    )


def _continuation(options: list[Update], chain: list[Pos], chosen: dict[Pos, Update]) -> Update | None:
    """An update whose step no longer reads back to its parameter (a gradient typed over its
    formula) but stands where the chain's previous update stands: the chain goes on through it."""
    if len(chain) < 2:
        return None
    offset = chosen[chain[-2]].offset
    return next((u for u in options if u.offset == offset), None)


def _may_update(tree: Node) -> bool:
    """True if a formula of this shape may read as `p ± step`: a sum with a reference added. Every
    formula of a shape is that sum or none is, so its tree is built only where it may be."""
    parts = terms(tree)
    return len(parts) >= 2 and any(sign == 1 and isinstance(node, Ref) for sign, node in parts)


def _updates(formulas: Formulas, pos: Pos, reads_back_to: _ReadsBack) -> list[tuple[Update, bool]]:
    """The ways `pos` reads as `p ± step`, each with whether its step reads back to `p`."""
    tree = formulas.trees[pos]
    parts = terms(tree)
    if len(parts) < 2:
        return []
    found = []
    part_reads: list[tuple[Pos, ...]] | None = None  # each term's cells, read once for every way
    for k, (sign, node) in enumerate(parts):
        if sign != 1 or not isinstance(node, Ref) or node.pos == pos:
            continue
        previous = node.pos
        if formulas.number(previous) is None:
            continue
        if part_reads is None:
            part_reads = [tuple(cells_read(other)) for _, other in parts]
        rest = parts[:k] + parts[k + 1 :]
        reads = tuple(p for i, cells in enumerate(part_reads) if i != k for p in cells)
        parameter = formulas.original(previous)
        reads_back = reads_back_to(reads, {previous, parameter})
        if not reads_back:  # a number typed again (a row per phase repeats the weights): the cell it repeats
            for earlier in _typed_above(formulas, parameter):
                if reads_back_to(reads, {earlier}):
                    parameter, reads_back = earlier, True
                    break
        found.append((Update(pos, previous, parameter, signed_sum(rest), k, reads), reads_back))
    return found


def _typed_above(formulas: Formulas, pos: Pos) -> list[Pos]:
    """The cells above a typed number in its column that hold the same number typed, nearest first."""
    value = formulas.number(pos)
    if not formulas.typed(pos) or value is None:
        return []
    sheet, row, col = pos
    return [
        (sheet, r, col)
        for r in range(row - 1, max(0, row - TYPED_AGAIN), -1)
        if formulas.typed((sheet, r, col)) and formulas.number((sheet, r, col)) == value
    ]


class _ReadsBack:
    """`reads_back_to(reads, targets)`: True if the cells `reads`, through the cells they read,
    read one of `targets`. A cell no deeper than the shallowest target (`Formulas.level`) cannot
    read one: the search does not go there (where the shallowest is in a loop, only a cell in one
    can). The levels and precedents are looked up once for every search."""

    def __init__(self, formulas: Formulas) -> None:
        self.level = formulas.levels().get
        self.precedents = formulas.precedents_by_cell().get

    def __call__(self, reads: tuple[Pos, ...], targets: set[Pos]) -> bool:
        level, precedents, no_reads = self.level, self.precedents, ()
        lowest = min(level(p, 0) for p in targets)
        above = lowest if lowest != math.inf else sys.float_info.max  # a cell may read a target if deeper
        todo = deque(p for p in dict.fromkeys(reads) if p in targets or level(p, 0) > above)
        seen = set(todo)
        while todo and len(seen) < REACH:
            here = todo.popleft()
            if here in targets:
                return True
            for p in precedents(here, no_reads):
                if p not in seen and (level(p, 0) > above or p in targets):
                    seen.add(p)
                    todo.append(p)
        return False


def feeds(formulas: Formulas, pos: Pos) -> bool:
    """True if some formula reads `pos`, or a copy of it, other than to copy it."""
    copied = formulas.copies_by_cell()
    for cell in (pos, *formulas.copies(pos)):
        if any(r not in copied for r in formulas.readers(cell)):
            return True
    return False


def _carries_on(formulas: Formulas, update: Update) -> bool:
    """True if the update is read as its parameter was, moved by where it stands: the next
    iteration's `h1` reads the new `w1` where this one's read the old. A term every formula adds
    (a fixed bias: `h1 = w1·i1 + w2·i2 + $F$2`) is no parameter that `h1` updates."""
    olds = {update.previous, update.parameter, *formulas.copies(update.parameter)}
    news = {update.cell, *formulas.copies(update.cell)}
    read_of = {new: set(formulas.readers(new)) for new in news}
    copied = formulas.copies_by_cell()
    for old in olds:
        readers = [r for r in formulas.readers(old) if r not in copied]
        if not readers:
            continue
        for new, read in read_of.items():
            ds, dr, dc = new[0] - old[0], new[1] - old[1], new[2] - old[2]
            moved = sum(1 for s, r, c in readers if (s + ds, r + dr, c + dc) in read)
            if moved > CARRIED_SHARE * len(readers):
                return True
    return False
