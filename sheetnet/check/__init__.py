"""`sheetnet check`: a workbook of any layout against the run, as a pipeline of named stages.

read (`book.read_book`) → find the tables (where iteration 0's forward pass is) → each table's η
(its η cell, else its first update) → fit its layout (`fit`) → judge every cell locally and
explain each slip from its formula (`judge`) → a verdict per table (this module) → render
(`check_view.print_check`).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sheetnet.book import Book, WorkbookError, column_letter
from sheetnet.cells.formulas import formulas_of
from sheetnet.check.derive import Derivation, derive_handmade
from sheetnet.check.eta import eta_cell, learning_rate
from sheetnet.check.evidence import small
from sheetnet.check.fit import fit_layout
from sheetnet.check.geometry import Layout
from sheetnet.check.grid import Grid, Pos, copied_from, grid_of, same
from sheetnet.check.judge import Element, Explainer, Tolerance, judge, local_values
from sheetnet.check.own_layouts import own_layout, own_rows_layout
from sheetnet.check.placed import place_losses, place_updates, scaled_loss, used_where_read
from sheetnet.check.spots import Form, RunSpots, Spot, is_step, run_spots
from sheetnet.check.tables import retyped, table_sheets
from sheetnet.collector import quiet
from sheetnet.layout import iteration_sheet
from sheetnet.net import CARRIED, FORWARD, LOSS, MEAN, PARAMETERS, UPDATE
from sheetnet.spec import Network
from sheetnet.status import ABSENT, FOUND, MISMATCH, SLIP
from sheetnet.trace import run as train

# the share of a network's initial parameters a sheet's update chains must start from to be its table
# (a parameter a slip leaves unread is trained by no formula that reads it back)
TRAINED_SHARE = 0.75
RIGHT, WRONG, STOPS, INCOMPLETE = "right", "wrong", "stops early", "incomplete"
NO_TABLE, OTHER_ETA = "no table", "other η"  # a workbook's verdicts when no table trains the run checked against
TABLES_PER_SHEET = 8
# a sheet whose table's cells are mostly `=Work!L10` copies the table of another sheet (a summary):
# judged where it is; a few copies (a weight repeated for a row's reading) make no copied table
COPIED_SHARE = 0.8
# iterations a sheet's update chains must span for their moves to place the table's iterations
# (formulas first): with two, they say one move, and a table of two iterations is fitted by value
# as it was before the chains were read (none of the fixtures or the zoo has one that needs it)
MOVES_TOLD = 3


@dataclass
class Table:
    """One table of the workbook that trains the network, with the η it trains with, and its verdict."""

    sheet: str
    layout: Layout
    run: RunSpots  # the run it is judged against, with its η
    elements: list[Element]
    range: str = ""
    verdict: str = RIGHT
    reason: str = ""
    eta_cell: str | None = None  # the cell the table writes η in, if it has one
    eta_moved: float | None = None  # the η its first update moves by, when another than eta
    unanswered: int | None = None  # of an exercise: the iteration of its first empty answer cell

    @property
    def done(self) -> int:
        """How many iterations the table holds: an exercise's, up to its first empty answer."""
        return self.iterations if self.unanswered is None else self.unanswered

    @property
    def eta(self) -> float:
        return self.run.trace.network.lr

    @property
    def first_slip(self) -> Element | None:
        return next((e for e in self.elements if e.kind == SLIP), None)

    @property
    def iterations(self) -> int:
        return self.layout.last + 1

    def to_json(self) -> dict[str, Any]:
        first = self.first_slip
        return {
            "sheet": self.sheet,
            "range": self.range,
            "layout": self.layout.kind,
            "eta": self.eta,
            "eta_cell": self.eta_cell,
            "iterations": self.iterations,
            "iterations_done": self.done,
            "verdict": self.verdict,
            "reason": self.reason,
            "first_slip": first.cell.address if first is not None and first.cell is not None else None,
            "found": sum(e.status == FOUND for e in self.elements),
            "total": len(self.elements),
        }


@dataclass
class CheckResult:
    book: Book
    network: Network
    tolerance: Tolerance
    tables: list[Table]
    elements: list[Element]
    precision: dict[str, int] = field(default_factory=dict)
    unexplained: int = 0  # numbers in the workbook that are no number of the run
    sheet: str | None = None  # --sheet: the only sheet looked at
    note: str = ""  # the workbook starts from other numbers than the network (read from its formulas)
    rates: tuple[float, ...] = ()  # the η each of which some table must train (default: the network's)
    derivation: Derivation | None = None  # the workbook judged against its own forward pass

    @property
    def wanted_rates(self) -> tuple[float, ...]:
        return self.rates or (self.network.lr,)

    @property
    def missing_rates(self) -> list[float]:
        """The η checked against that no table trains with."""
        return [lr for lr in self.wanted_rates if not any(same(t.eta, lr) for t in self.tables)]

    @property
    def mismatches(self) -> list[Element]:
        return [e for e in self.elements if e.status == MISMATCH]

    @property
    def first_mismatch(self) -> Element | None:
        """The first slip in calculation order (a mismatch that follows never comes before one)."""
        return next((e for e in self.elements if e.kind == SLIP), None)

    @property
    def follows_network(self) -> bool:
        """True if, for each η it was checked against, some table trains the network with it."""
        return bool(self.tables) and not self.missing_rates

    @property
    def exit_code(self) -> int:
        right = self.tables and all(t.verdict == RIGHT for t in self.tables) and self.follows_network
        return 0 if right else 1

    @property
    def verdict(self) -> str:
        """The workbook's verdict: right, wrong (a slip), stops early, incomplete, no table, other η."""
        if self.exit_code == 0:
            return RIGHT
        if self.first_mismatch is not None:
            return WRONG
        if self.problem:
            return OTHER_ETA if self.tables else NO_TABLE
        return next((t.verdict for t in self.tables if t.verdict != RIGHT), WRONG)

    @property
    def table(self) -> Table | None:
        """The table the verdict is about: the first slip's, else the first not right, else the first."""
        first = self.first_mismatch
        if first is not None:
            return self.tables[first.table]
        return next((t for t in self.tables if t.verdict != RIGHT), self.tables[0] if self.tables else None)

    @property
    def message(self) -> str:
        """The verdict in a sentence, whatever it is."""
        verdict, table = self.verdict, self.table
        if verdict in (NO_TABLE, OTHER_ETA) or table is None:
            return self.problem
        where = f"{table.sheet}: " if len(self.tables) > 1 and verdict != WRONG else ""
        if verdict != RIGHT:
            return where + table.reason + (f"; {self.problem}" if self.problem else "")
        written = sum(e.cell is not None for e in self.elements)
        iters = self.network.iters
        tables = "every table holds" if len(self.tables) > 1 else "the workbook holds"
        return (
            f"{tables} {'all ' if iters > 1 else ''}{_count(iters, 'iteration')} of the run, and the "
            f"{written:,} numbers of the run it writes all agree with it"
        )

    @property
    def problem(self) -> str:
        """Why the workbook does not hold this run, when no table follows it; else ''."""
        if not self.book.numbers():
            return "the workbook holds no numbers"
        if not self.tables and self.sheet is not None:
            return (
                f"no table starts on sheet {self.sheet!r}: iteration 0's forward pass is not on it "
                "(a table of a sheet per iteration starts on its first sheet)"
            )
        if not self.tables:
            return (
                "no table in the workbook follows this network: iteration 0's forward pass "
                f"({', '.join(_forward_names(self.network))}) is nowhere in it; is it the right network "
                "(--config)?"
            )
        if not self.follows_network:
            missing = self.missing_rates
            lr = missing[0]
            moved = [t for t in self.tables if t.eta_moved is not None and same(t.eta_moved, lr)]
            if moved:
                t = moved[0]
                return (
                    f"{t.sheet}'s η cell {t.eta_cell} says {t.eta:g}, but its updates move by η = {lr:g}, "
                    "the η checked against: is that cell the η?"
                )
            etas = ", ".join(f"{t.sheet}: η = {t.eta:g}" for t in self.tables)
            wanted = " or ".join(f"η = {r:g}" for r in missing)
            return f"no table trains with {wanted} ({etas}); is it the right --lr?"
        return ""

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.elements)

    def backward_first(self) -> Derivation | None:
        """The workbook judged against its own forward pass, if that names a slip before this check
        does: in an earlier iteration, or in the same one where this check's first slip is no cell
        of the forward pass (an update that follows from a gradient no number of the run placed).
        Also where this check finds nothing wrong: a step that is not the derivative of the sheet's
        own loss is wrong whatever run it is held against (the cells that hold it matched no number
        of the run, and were left out, not judged).
        Only a derivation that decided (`Derivation.decided`): one that could not judge an
        iteration before its slip says "not judged", never over this check's verdict."""
        own, first = self.derivation, self.first_mismatch
        if own is None or not own.decided or own.first_mismatch is None:
            return None
        judged = {e.cell.sheet for e in self.elements if e.cell is not None}  # the sheets of the tables checked
        slip = next((s for s in own.slips if s.cell.sheet in judged), None)
        if slip is None:
            return None
        if first is None and self.verdict == RIGHT:
            return own.only(judged)
        if first is None or first.cell is None:
            return None
        if slip.t > first.t:
            return None
        pos = (self.book.sheets.index(first.cell.sheet), first.cell.row, first.cell.col)
        same_cell = slip.cell.address == first.cell.address
        if slip.t == first.t and (same_cell or pos in own.forward(first.t)):
            return None
        return own.only(judged)

    def to_json(self) -> dict[str, Any]:
        first = self.first_mismatch
        return {
            "verdict": self.verdict,
            "message": self.message,
            "note": self.note,
            "mismatches": [e.to_json() for e in self.mismatches],
            "found": self.count(FOUND),
            "absent": self.count(ABSENT),
            "total": len(self.elements),
            "unmatched_cells": self.unexplained,
            "first_mismatch": first.to_json() if first else None,
            "tables": [t.to_json() for t in self.tables],
            "elements": [e.to_json() | ({"table": e.table} if len(self.tables) > 1 else {}) for e in self.elements],
        }


@quiet
def check_book(
    book: Book,
    network: Network,
    tolerance: Tolerance | None = None,
    sheet: str | None = None,
    follows: Network | None = None,
    rates: Sequence[float] | None = None,
) -> CheckResult:
    """Judge `book` against `network`'s run: every table that trains it, each with its own η.

    `rates`: the η the workbook must train, each in a table of its own (a run of several η);
    by default the network's. The tables are listed in their order.

    `follows`: the network the workbook's numbers follow, if it starts from other numbers than
    `network` (a starting weight or a target typed wrong, read from the workbook): the tables are
    found and fitted on its run, and judged against `network`'s, so the mistyped number is the slip.
    """
    tolerance = tolerance or Tolerance()
    grid = grid_of(book)
    if sheet is not None and sheet not in book.sheets:
        raise WorkbookError(f"{book.path}: no sheet named {sheet!r} (it has {', '.join(map(repr, book.sheets))})")
    runs = {network.lr: run_spots(train(network))}
    first = runs[network.lr]
    shapes = runs if follows is None else {follows.lr: run_spots(train(follows))}
    shaped = follows or network
    derivation = derive_handmade(book)
    found = table_sheets(grid, shapes[shaped.lr]) + _trained_sheets(derivation, shaped)
    starts = [s for s in sorted(set(found)) if sheet is None or book.sheets[s] == sheet]
    first_sheet = book.sheets.index(iteration_sheet(0)) if iteration_sheet(0) in book.sheets else None
    if first_sheet is not None and first_sheet not in starts and (sheet is None or sheet == iteration_sheet(0)):
        if own_layout(grid, shapes[shaped.lr], first_sheet) is not None:  # sheetnet's own, however little is filled
            starts.insert(0, first_sheet)
    tables: list[Table] = []
    covered: set[int] = set()
    # the layouts fitted, by what their sheet computes: only where several sheets hold tables
    fitted: dict[frozenset, Layout] | None = {} if len(starts) > 1 else None
    for start in starts:
        if start in covered:
            continue
        view = grid
        for _ in range(TABLES_PER_SHEET):  # side by side, or one below the other
            alone = fitted if view is grid and fitted is not None else None
            table = _table(view, network, runs, start, tolerance, shaped, shapes, derivation, alone)
            if table is None or not table.range:
                break  # a copy of another sheet, or nothing of the run left on this one
            tables.append(table)
            layout = table.layout
            if layout.stride is not None and layout.stride[0]:
                covered.update(start + t * layout.stride[0] for t in range(layout.last + 1))
                break
            view = view.without(layout.inside, start)
            if start not in table_sheets(view, shapes[shaped.lr]):
                break
    wanted = tuple(rates) if rates else (network.lr,)
    tables.sort(key=lambda t: next((k for k, lr in enumerate(wanted) if same(t.eta, lr)), len(wanted)))
    for i, table in enumerate(tables):
        for element in table.elements:
            element.table = i
    elements = [e for t in tables for e in t.elements]
    if not tables:
        elements = _held_steps([Element(spot) for spot in first.all() if not spot.optional])
    precision = {"rounded": 0, "full": 0}
    used = set()
    for e in elements:
        if e.cell is not None:
            if not e.spot.carried and e.cell.is_number:  # computed numbers: typed inputs say nothing of it
                precision["full" if e.cell.decimals is None else "rounded"] += 1
            used.add((e.cell.sheet, e.cell.row, e.cell.col))
    for table in tables:
        for ident in table.layout.copies:
            for t in range(table.layout.last + 1):
                used.update((book.sheets[p[0]], p[1], p[2]) for p in table.layout.positions(ident, t))
    unexplained = sum((c.sheet, c.row, c.col) not in used for c in grid.cells.values())
    result = CheckResult(
        book, network, tolerance, tables, elements, precision, unexplained, sheet, rates=wanted, derivation=derivation
    )
    if follows is not None and tables:
        result.note = starts_otherwise(network, follows)
    return result


def _trained_sheets(derivation: Derivation | None, network: Network) -> list[int]:
    """The sheets whose update formulas start from the network's initial parameters: a table is
    there even if its forward pass is wrong from iteration 0 and no number of it is the run's."""
    if derivation is None:
        return []
    initial = [w for matrix in network.weights for row in matrix for w in row]
    initial += [b for vector in network.biases for b in vector] if network.train_biases else []
    out = []
    for table in derivation.tables:
        left = Counter(initial)
        for chain in table.chains.links:
            value = derivation.formulas.number(chain[0])
            if left[value]:
                left[value] -= 1
        if len(initial) - left.total() >= max(2, math.ceil(TRAINED_SHARE * len(initial))):
            out.append(table.chains.links[0][0][0])
    return out


def starts_otherwise(network: Network, follows: Network) -> str:
    """What the workbook starts from that the network does not: `W1[0,1] 0.2 (not 0.25)`."""
    differ = []
    for l, (a, b) in enumerate(zip(network.weights, follows.weights, strict=True), start=1):
        for j, (row_a, row_b) in enumerate(zip(a, b, strict=True)):
            differ += [
                f"W{l}[{j},{i}] {y:g} (not {x:g})" for i, (x, y) in enumerate(zip(row_a, row_b, strict=True)) if x != y
            ]
    for l, (a, b) in enumerate(zip(network.biases, follows.biases, strict=True), start=1):
        differ += [f"B{l}[{j}] {y:g} (not {x:g})" for j, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    for s, (a, b) in enumerate(zip(network.samples, follows.samples, strict=True)):
        suffix = f" (sample {s})" if len(network.samples) > 1 else ""
        for name, u, v in (("x", a.x, b.x), ("y", a.y, b.y)):
            differ += [
                f"{name}[{i}]{suffix} {y:g} (not {x:g})" for i, (x, y) in enumerate(zip(u, v, strict=True)) if x != y
            ]
    shown = ", ".join(differ[:6]) + (f" and {len(differ) - 6} more" if len(differ) > 6 else "")
    return (
        f"the workbook starts from other numbers than the network file: {shown}. Each is a slip if the "
        "network file is the assignment; if not, check against the right one (--config)"
    )


def _table(
    grid: Grid,
    network: Network,
    runs: dict[float, RunSpots],
    start: int,
    tolerance: Tolerance,
    shaped: Network,
    shapes: dict[float, RunSpots],
    derivation: Derivation | None = None,
    fitted: dict[frozenset, Layout] | None = None,
) -> Table | None:
    """The table that starts on sheet `start`, fitted and judged; None if it copies another sheet.
    `fitted`: the layouts fitted on earlier sheets, by what the sheet computes (see `_fitted`)."""
    first = shapes[shaped.lr]
    # The table's η: what its own η cell says, else what its first update shows, else the run's.
    # An update that moves by another η than the cell's is then a slip, not another assignment.
    written = eta_cell(grid, first, start)
    moved = learning_rate(grid, first, start)
    eta = float(grid.cells[written].value) if written is not None else moved or network.lr
    run = _run_with(runs, network, eta)
    # The layout is fitted on the run the sheet's numbers follow (its updates' η), and judged
    # against the run its η cell asks for.
    shape = _run_with(shapes, shaped, moved if moved is not None else eta)
    # where later iterations' parameters are typed rounded, the sheet's numbers follow them
    shape = retyped(grid, shape, start)
    if not _writes_steps(grid, shape, start):
        run, shape = run.without_steps, shape.without_steps
    layout = (
        own_layout(grid, shape, start)
        or own_rows_layout(grid, shape, start)
        or _fitted(grid, shape, start, fitted, derivation)
    )
    place_losses(layout, shape, derivation)  # a loss wrong from its formula holds no number of the run
    used_where_read(layout, shape, derivation)
    place_updates(layout, shape, derivation)
    # the other reduction's sums (or means) count only where the sheet writes them
    judged = [e for e in judge(run, layout, grid, tolerance) if e.status != ABSENT or not e.spot.optional]
    elements = _held_steps(judged)
    if _copies_another_sheet(elements):
        return None  # a sheet of `=Work!L10`: the table it copies is judged where it is
    explainer = Explainer(run, layout, grid)

    def explain(element: Element) -> None:
        explainer.explain(element)
        element.explanation = scaled_loss(element) or element.explanation

    for element in elements:
        if element.kind == SLIP:
            element.explain = explain
    table = Table(grid.sheets[start], layout, run, elements, _cells_text(elements))
    if written is not None:
        table.eta_cell = grid.cells[written].address
    if moved is not None and not same(moved, table.eta):
        table.eta_moved = moved
    table.verdict, table.reason = _verdict(table)
    if grid.book.exercise and table.layout.own:
        table.verdict, table.reason = _exercise_verdict(table, grid, grid.book.exercise.split(",")[0])
    return table


def _fitted(
    grid: Grid, run: RunSpots, start: int, fitted: dict[frozenset, Layout] | None, derivation: Derivation | None
) -> Layout:
    """The layout fitted on sheet `start`; where an earlier sheet computes the same (the same
    formulas in the same cells, numbers typed in the same cells: one table copied for another η),
    that sheet's layout, moved to this one. `fitted` is None for a table beside another on its sheet."""
    shape = formulas_of(grid.book).sheet_shape(start) if fitted is not None else None
    earlier = fitted.get(shape) if fitted is not None and shape is not None else None
    if earlier is not None:
        return _moved(earlier, start)
    moves = _chain_moves(derivation, start)
    layout = fit_layout(grid, run, start, lambda lay, n: local_values(run, lay, grid, n), moves)
    if fitted is not None and shape is not None and (layout.stride is None or not layout.stride[0]):
        fitted[shape] = _moved(layout, start)  # a copy: what follows may add to a table's layout
    return layout


def _chain_moves(derivation: Derivation | None, sheet: int) -> tuple[Pos, ...]:
    """Where the update chains on `sheet` put each iteration from iteration 0, when every one of
    them says the same, along one axis; () otherwise (the chains disagree, cross sheets, or there
    are none), and the stride is fitted from the numbers alone."""
    if derivation is None:
        return ()
    moves: dict[int, set[Pos]] = defaultdict(set)
    for chain in derivation.chains.links:
        if len(chain) < 3 or any(p[0] != sheet for p in chain[1:]):
            continue
        first = chain[1]
        for t, update in enumerate(chain[1:]):
            moves[t].add((0, update[1] - first[1], update[2] - first[2]))
    if len(moves) < MOVES_TOLD or any(len(m) != 1 for m in moves.values()):
        return ()
    found = tuple(next(iter(moves[t])) for t in range(len(moves)))
    return found if sum(d != 0 for d in found[1]) == 1 else ()


def _moved(layout: Layout, sheet: int) -> Layout:
    """A copy of `layout` on sheet `sheet`: the cells it has on its own sheet moved there."""

    def at(p: Pos) -> Pos:
        return (sheet, p[1], p[2]) if p[0] == layout.sheet else p

    return dataclasses.replace(
        layout,
        sheet=sheet,
        bases={ident: at(p) for ident, p in layout.bases.items()},
        copies={ident: [at(p) for p in ps] for ident, ps in layout.copies.items()},
        twice={ident: [at(p) for p in ps] for ident, ps in layout.twice.items()},
    )


def _exercise_verdict(table: Table, grid: Grid, part: str) -> tuple[str, str]:
    """An exercise sheet is right only when every answer cell holds its number: an empty one makes
    it incomplete, named (a text in one is a slip, judged as any); a wrong one says how many are
    empty too."""
    from sheetnet.book import cell_address
    from sheetnet.exercise import is_answer

    # the steps (−η·∂L/∂W, check's own quantities) are answers of every part: each is in the update
    empty = [e for e in table.elements if e.status == ABSENT and (is_answer(e.quantity, part) or is_step(e.quantity))]
    if not empty or table.verdict == STOPS:
        return table.verdict, table.reason
    first = empty[0]
    table.unanswered = first.t
    where = table.layout.at(first.spot.ident, first.t)
    cell = f" {cell_address(grid.sheets[where[0]], where[1], where[2])}" if where else ""
    unanswered = (
        f"{_count(len(empty), 'answer cell')} of the exercise hold{'s' if len(empty) == 1 else ''} no number; "
        f"the first:{cell}, {first.name} of iteration {first.t}"
    )
    if table.verdict == WRONG:
        return WRONG, f"{table.reason}; {unanswered}"
    return INCOMPLETE, unanswered


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _held_steps(elements: list[Element]) -> list[Element]:
    """The elements without the steps (±η·∂L/∂p) a table does not write: a sheet writes a step in
    one sign or not at all, and one it does not write is no number missing from it."""
    steps = [e.spot.form.step for e in elements]
    if not any(steps):
        return list(elements)
    held = {e.spot.quantity.name for e, step in zip(elements, steps, strict=True) if step and e.cell is not None}
    return [e for e, step in zip(elements, steps, strict=True) if not step or e.spot.quantity.name in held]


def _verdict(table: Table) -> tuple[str, str]:
    """Right only if the table holds the run (each iteration's output ŷ, its loss and every update
    before the next, for every iteration of the run) and nothing in it mismatches."""
    first = table.first_slip
    if first is not None and first.cell is not None:
        reason = f"first slip in {first.cell.address}, iteration {first.t}: {first.name}"
        if table.eta_moved is not None:
            reason += f"; its updates move by η = {table.eta_moved:g}, not the η = {table.eta:g} of {table.eta_cell}"
        return WRONG, reason
    iterations = len(table.run.iterations)
    last = table.layout.last
    if last < iterations - 1:
        return STOPS, (
            f"the table stops after iteration {last} of the run's {iterations}: it is unfinished, "
            "or --iters asks for more than it trains"
        )
    # What each iteration must hold, and whether it does: ŷ, a loss (L, Δ or E), and every trained
    # parameter's update before the next iteration (written as the update or as the value used next).
    # (what: ŷ, the loss, or a parameter's name and index; its iteration): held or not
    held: dict[tuple[tuple[str, int], int], bool] = defaultdict(bool)
    holds: dict[Form, tuple[tuple[str, int], int, bool] | None] = {}  # by form: what its spots hold
    for e in table.elements:
        spot = e.spot
        form = spot.form
        if form not in holds:
            holds[form] = _must_hold(spot)
        what = holds[form]
        if what is not None:
            u = spot.t - what[1]  # the iteration it holds for
            if not what[2] or 0 <= u < last:
                held[what[0], u] |= e.status != ABSENT
    for ((what, index), t), present in held.items():
        if not present and t <= last:
            what = what if index < 0 else f"the update of {what}[{index}]"
            return INCOMPLETE, f"the table does not hold {what} of iteration {t}"
    return RIGHT, ""


def _must_hold(spot: Spot) -> tuple[tuple[str, int], int, bool] | None:
    """What a spot (and every spot of its form) counts for among what each iteration must hold
    (`_verdict`): what (ŷ, the loss, or a parameter's name and index), how many iterations back
    it holds it for (the value used next holds the iteration before's update), and whether only
    for the iterations before the table's last; None for what no iteration must hold."""
    q = spot.quantity
    section = q.section
    if section == FORWARD and q.name == "ŷ":
        return ("ŷ", -1), 0, False
    if (section == LOSS and q.role != CARRIED) or (section == MEAN and q.name == "L"):
        return ("the loss (L, Δ or E)", -1), 0, False  # a sample's, or the mean (or sum) over them
    if section == UPDATE and q.name[0] in "WB":
        return (q.name, spot.index), 0, True
    if section == PARAMETERS and q.role == CARRIED:
        return (q.name, spot.index), 1, True
    return None


def _copies_another_sheet(elements: list[Element]) -> bool:
    """True if most of what a table holds are formulas that only read one cell of another sheet."""
    cells = [e.cell for e in elements if e.cell is not None]
    most = COPIED_SHARE * len(cells)
    others = 0  # the cells that copy no cell of another sheet, counted until they are too many
    for cell in cells:
        if not copied_from(cell):
            others += 1
            if len(cells) - others < most:
                return False
    return bool(cells)


def _writes_steps(grid: Grid, run: RunSpots, sheet: int) -> bool:
    """True if the sheet holds two steps (±η·∂L/∂p, η·v, Adam's) of the first three iterations
    exactly: a sheet that writes its steps writes most of them right (a step column wrong from its
    first row among them), and one number equal to a step is a coincidence (Mazur's η·∂L/∂w2 is
    0.05, his x1)."""
    cells: set[Pos] = set()  # two cells, not one cell equal to two steps (x = 1: w's step is b's)
    for s in run.steps_near_the_start():
        if not small(s.value):
            cells.update(grid.matches(s.value, [sheet]))
            if len(cells) >= 2:
                return True
    return False


def _run_with(runs: dict[float, RunSpots], network: Network, eta: float) -> RunSpots:
    """The run of `network` with learning rate `eta`, trained once per η."""
    key = next((k for k in runs if same(k, eta)), None)
    if key is None:
        key = eta
        runs[key] = run_spots(train(network.with_overrides(lr=eta)))
    return runs[key]


def _cells_text(elements: list[Element]) -> str:
    """Where the table's numbers are: `A36:AE67`, or `Iteration 0 … Iteration 2 (B5:C47)`."""
    cells = [e.cell for e in elements if e.cell is not None]
    if not cells:
        return ""
    rows, cols = [c.row for c in cells], [c.col for c in cells]
    box = f"{column_letter(min(cols))}{min(rows)}:{column_letter(max(cols))}{max(rows)}"
    sheets = list(dict.fromkeys(c.sheet for c in cells))
    return box if len(sheets) == 1 else f"{sheets[0]} … {sheets[-1]} ({box})"


def _forward_names(network: Network) -> list[str]:
    return [f"O{l}" for l in range(1, network.depth)] + ["ŷ"]


__all__ = ["CheckResult", "Element", "Table", "Tolerance", "check_book"]
