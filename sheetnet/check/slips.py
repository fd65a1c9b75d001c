"""Where a wrong step's slip is placed, and how it is explained, in the workbook's own labels.

A step that is no c·∂L/∂p went wrong somewhere in its calculation, and its slip is placed where
that calculation first leaves the derivative (`place_slips`): the backward cell, read only by wrong
steps, that is no local derivative of the forward cells it reads (as σ' = a(1 − a) or a − t are);
else the gradient cell the update reads, if it reads one alone; else the update itself, which is
also where a right gradient used wrong (its sign, its η) is placed. Each slip is explained from its
formula (`_explain`): what it reads that its parameter does not reach, and the cell that belongs
there ("Z36 reads J36 (a_h1) where L36 (a_h2) belongs"), a number typed where a formula belongs,
or a step's sign. Cells are named as the workbook labels them (`label`).

Guarantee: one slip per cell, on a cell of a wrong step's own calculation (the backward cells it
reads, or its update); a slip's expected number is given only where its step is proportional to
the cell (for an update: its previous value plus the right step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetnet.book import Cell
from sheetnet.cells.chains import Chains, Update
from sheetnet.cells.dual import Dual, Unsupported
from sheetnet.cells.evaluation import Evaluation, run, run_without
from sheetnet.cells.formulas import Formulas
from sheetnet.cells.labels import labels_of
from sheetnet.check.factor import agrees, mode, shared_reads
from sheetnet.formula import Pos
from sheetnet.status import MISMATCH, SLIP


@dataclass
class Slip:
    """A cell where a step leaves the derivative, as `check` reports it."""

    t: int
    cell: Cell
    name: str  # what the cell is: its label, else what it stands for
    parameter: str  # the parameter whose step it spoils
    expected: float | None
    explanation: str
    kind: str = SLIP
    status: str = MISMATCH
    reads: list[str] = field(default_factory=list)  # the cells its formula reads, in its order

    @property
    def found(self) -> float | str | None:
        return float(self.cell.value) if self.cell.is_number else str(self.cell.value)


@dataclass
class WrongSteps:
    """An iteration whose steps are not all c·∂L/∂p, and what placing their slips needs."""

    formulas: Formulas
    chains: Chains
    t: int
    evaluation: Evaluation  # the iteration recomputed from its own formulas, with exact derivatives
    cells: set[Pos]  # its cells computed from its parameters (updates excluded)
    loss: Pos  # the cell whose derivatives the steps follow
    factor: float | None  # c: a right step is c·∂L/∂p times its own η; None where no two steps share one
    steps: dict[int, float]  # each parameter's step, as its update moves it
    wrong: list[int]  # the parameters whose steps are wrong
    rates: dict[int, float]  # each parameter's own η, where parameters have one each
    own_etas: set[Pos]  # the cells of those η
    slopes: dict[tuple[int, Pos], float] = field(default_factory=dict)  # (step, cell) → ∂step/∂cell, once
    shown: dict[Pos, Dual] = field(default_factory=dict)  # a cell's shown number as a constant, once
    kinds: dict[tuple[int, object], list[Pos]] | None = None  # `cells` by sheet and shape, sorted once
    # (cell, a cell it reads) → the numbers of the cells its formula reads that are not that one's
    # copies (by the cell as the formula names it), and those that are: `_read_instead`'s, once
    kept: dict[tuple[Pos, Pos], tuple[dict[Pos, Dual], list[Pos]]] = field(default_factory=dict)


def place_slips(iteration: WrongSteps) -> list[Slip]:
    """A slip for each wrong step, where its calculation first leaves the derivative; one per cell."""
    f, chains, t, loss = iteration.formulas, iteration.chains, iteration.t, iteration.loss
    evaluation, factor, rates = iteration.evaluation, iteration.factor, iteration.rates
    steps, wrong = iteration.steps, iteration.wrong
    forward = _ancestry(f, loss, iteration.cells)
    backward = {p for p in iteration.cells if p not in forward and p != loss}
    shared = shared_reads(f, chains, t) | iteration.own_etas
    cones = {j: _cone(f, chains.update(j, t).reads, backward, shared) for j in range(len(chains.links)) if j in steps}
    wrong_set = set(wrong)
    readers_of: dict[Pos, set[int]] = {}
    for j, cone in cones.items():
        for p in cone:
            readers_of.setdefault(p, set()).add(j)
    placed: set[Pos] = set()
    slips: list[Slip] = []
    derivative = evaluation.dual(loss).d
    gradients = {j: _gradient_cell(f, chains.update(j, t), cones[j]) for j in cones}
    # what a right step's gradient cell holds over its derivative: the same for every parameter
    usual = mode(
        [f.number(g) / derivative[j] for j, g in gradients.items() if g and j not in wrong_set and derivative.get(j)]  # type: ignore[operator]
    )
    right_shapes = {f.blotted(chains.update(j, t).cell) for j in cones if j not in wrong_set}
    for j in wrong:
        update = chains.update(j, t)
        parameter = chains.links[j][t]
        exclusive = [p for p in cones[j] if readers_of[p] <= wrong_set]
        odd = {p for p in exclusive if not _explained(f, p, forward, loss)}
        first = [p for p in odd if not any(q in odd for q in _backward_reads(f, p, backward))]
        expected_step = None if factor is None else factor * derivative.get(j, 0.0) * rates.get(j, 1.0)
        g, d = gradients.get(j), derivative.get(j, 0.0)
        # the step's sign is the update's slip where its formula is not written as the right ones are
        # (`w + η·g` beside `w − η·g`); written alike, it is the gradient's (a − t written t − a)
        flipped = (
            expected_step is not None
            and agrees(steps[j], -expected_step, abs(steps[j]))
            and f.blotted(update.cell) not in right_shapes
        )
        left_out = None if expected_step is None else _left_out(iteration, j, cones[j], backward, expected_step)
        swapped = None
        if left_out is None and expected_step is not None:
            swapped = _one_reference_off(iteration, j, cones[j], expected_step)
        if flipped or (
            g is not None and d and usual is not None and agrees(f.number(g) or 0.0, usual * d, abs(usual * d))
        ):
            cell = update.cell  # its gradient is right: the update uses it wrong (its sign, its η)
        elif left_out is not None:
            cell = left_out[0]
        elif swapped is not None:
            cell = swapped[0]
        elif first:
            cell = min(first)
        else:
            direct = [p for p in cones[j] if p in f.precedents(update.cell) or _read_by_step(update, p, f)]
            cell = direct[0] if len(direct) == 1 else update.cell
        if cell in placed:
            continue
        placed.add(cell)
        expected = _expected(f, cell, update, steps[j], expected_step)
        why = _explain(iteration, j, cell, forward, expected_step)
        if swapped is not None and cell == swapped[0]:
            expected = swapped[3] if expected is None else expected
        if swapped is not None and cell == swapped[0] and " where " not in why:
            _, wrong_read, right_read, _ = swapped
            why = (
                f"{_named(f, cell)} reads {_named(f, wrong_read)} where {_named(f, right_read)} belongs: with it, "
                f"the step of {_named(f, parameter)} is −η times the gradient"
            )
        if left_out is not None and cell == left_out[0]:
            _, term, unread = left_out
            sum_ = (f.number(term) or 0.0) + (f.number(unread) or 0.0)
            expected = sum_ if f.copied(cell) is not None else expected
            why = (
                f"{_named(f, cell)} reads {_named(f, term)} where {f.address(term).split('!')[-1]} + "
                f"{f.address(unread).split('!')[-1]} belongs: {_named(f, unread)} is computed, but nothing reads it"
            )
        reads = [f.address(p) if p[0] != cell[0] else f.address(p).split("!")[-1] for p in f.precedents(cell)]
        slip = Slip(t, f.cells[cell], label(f, cell) or "step", _named(f, parameter), expected, why, reads=reads)
        slips.append(slip)
    return slips


def _left_out(
    iteration: WrongSteps, j: int, cone: set[Pos], backward: set[Pos], expected_step: float
) -> tuple[Pos, Pos, Pos] | None:
    """A term computed and left out of a sum: (the cell, x, u) where step j reads x through `cell`
    and would be right if x were x + u, u a backward cell nothing reads (`=H16` where
    `=H16+H17` belongs: ∂E_o1/∂out_h1 passed on, ∂E_o2/∂out_h1 computed beside it and dropped).
    The cell is the one that reads x on the step's way, where the sum belongs."""
    f = iteration.formulas
    unread = sorted(u for u in backward if not f.readers(u) and f.copied(u) is None and f.number(u))
    if not unread:
        return None
    update = iteration.chains.update(j, iteration.t)
    missing = expected_step - iteration.steps[j]
    for x in sorted(cone):
        if f.number(x) is None or not f.computed(x):
            continue
        slope = _slope(iteration, j, cone, x)
        if not slope:
            continue
        for u in unread:
            if agrees(missing / slope, f.number(u) or 0.0, abs(missing / slope)):
                reader = _reader_on_the_way(f, x, cone, update)
                return None if reader is None else (reader, x, u)
    return None


def _slope(iteration: WrongSteps, j: int, cone: set[Pos], x: Pos) -> float:
    """How much step j moves per unit of cell x (its cone's cells recomputed, the rest as shown),
    worked out once per step and cell."""
    known = iteration.slopes.get((j, x))
    if known is None:
        f = iteration.formulas
        try:
            update = iteration.chains.update(j, iteration.t)
            result = run_without(f, update.cell, update.term, Evaluation(f, {x: 0}, _Outside(cone)).dual)
            known = 0.0 if isinstance(result, list) else result.d.get(0, 0.0)
        except Unsupported:
            known = 0.0
        iteration.slopes[(j, x)] = known
    return known


class _Outside:
    """The cells not in `cone`: read as the numbers they show when a step is recomputed from one
    of its own cells."""

    def __init__(self, cone: set[Pos]) -> None:
        self.cone = cone

    def __contains__(self, pos: object) -> bool:
        return pos not in self.cone


def _one_reference_off(
    iteration: WrongSteps, j: int, cone: set[Pos], expected_step: float
) -> tuple[Pos, Pos, Pos, float] | None:
    """One wrong reference: (the cell, what it reads, what belongs there, what the cell should then
    hold), where step j would be right if that cell of its calculation read, in place of one cell,
    another of the same kind (a parameter of the iteration for a parameter, a cell computed as it
    is for a computed one: `=X6*L6`, w7, where `=X6*M6`, w8, belongs). The commonest slip there
    is, in any layout. Only the step's backward cells are searched (a wrong forward cell is one a
    check against the run finds)."""
    f = iteration.formulas
    missing = expected_step - iteration.steps[j]
    parameters = set(iteration.chains.variables(iteration.t))
    for x in sorted(cone):
        value = f.number(x)
        if x not in f.trees or value is None or f.cells[x].array:
            continue
        slope = _slope(iteration, j, cone, x)
        if not slope:
            continue
        required = value + missing / slope
        for read in dict.fromkeys(f.original(p) for p in f.precedents(x)):
            for other in _same_kind(f, read, parameters, iteration):
                if agrees(_read_instead(iteration, x, read, other), required, abs(required)):
                    return x, read, other, required
    return None


def _same_kind(f: Formulas, read: Pos, parameters: set[Pos], iteration: WrongSteps) -> list[Pos]:
    """The cells a formula could have read in place of `read`, nearest first: the iteration's
    other parameters for a parameter, the iteration's cells computed as `read` is (on its sheet)
    for a computed one."""
    if read in parameters:
        options = parameters - {read}
    else:
        shape = f.blotted(read)
        if shape is None or read not in iteration.cells:
            return []
        if iteration.kinds is None:  # the iteration's cells by sheet and shape, grouped once
            iteration.kinds = {}
            for p in sorted(iteration.cells):
                iteration.kinds.setdefault((p[0], f.blotted(p)), []).append(p)
        options = {p for p in iteration.kinds[read[0], shape] if p != read}
    return sorted(options, key=lambda p: (p[0] != read[0], abs(p[1] - read[1]) + abs(p[2] - read[2]), p))


def _read_instead(iteration: WrongSteps, pos: Pos, read: Pos, other: Pos) -> float:
    """What the formula at `pos` gives on the shown numbers with `other` read in place of `read`:
    every cell it reads as the number its original shows (`_shown`), `other`'s where that is
    `read`. Its numbers are given as a dict, filled once per cell and cell read (`WrongSteps.kept`),
    the cells it names that are copies of `read` given `other`'s, any other read worked out when
    read (`_Instead`)."""
    f = iteration.formulas
    kept = iteration.kept.get((pos, read))
    if kept is None:
        numbers: dict[Pos, Dual] = {}
        copies: list[Pos] = []
        for p in f.precedents(pos):
            q = f.original(p)
            if q == read:
                copies.append(p)
            else:
                numbers[p] = _shown(iteration, q)
        kept = iteration.kept[(pos, read)] = (numbers, copies)
    numbers, copies = kept
    instead = _Instead(numbers)
    instead.iteration, instead.read, instead.other = iteration, read, other
    replaced = _shown(iteration, other)
    for p in copies:
        instead[p] = replaced
    try:
        result = run(f, pos, instead.__getitem__)
    except (Unsupported, ZeroDivisionError, OverflowError, ValueError):
        return float("nan")
    return float("nan") if isinstance(result, list) else result.value


class _Instead(dict):
    """The numbers `_read_instead` runs a formula on, by the cell it names: a cell missing from
    them is read as the number its original shows, `other`'s where that is `read`."""

    __slots__ = ("iteration", "other", "read")

    def __missing__(self, p: Pos) -> Dual:
        q = self.iteration.formulas.original(p)
        number = self[p] = _shown(self.iteration, self.other if q == self.read else q)
        return number


def _shown(iteration: WrongSteps, p: Pos) -> Dual:
    """The number cell `p` shows, as a constant (0 for an empty cell or a text), made once."""
    constant = iteration.shown.get(p)
    if constant is None:
        constant = iteration.shown[p] = Dual.const(iteration.formulas.number(p) or 0.0)
    return constant


def _reader_on_the_way(f: Formulas, x: Pos, cone: set[Pos], update: Update) -> Pos | None:
    """The cell that reads `x` on a step's way to its update: a cell of its cone, a copy of `x`
    that one reads, or the update itself."""
    for reader in sorted(f.readers(x)):
        if f.copied(reader) == x and any(r in cone or r == update.cell for r in f.readers(reader)):
            return reader
        if reader in cone or reader == update.cell:
            return reader
    return None


def _gradient_cell(f: Formulas, update: Update, cone: set[Pos]) -> Pos | None:
    """The one backward cell an update's step reads directly (`w − η·g`: g), if there is one."""
    direct = [p for p in cone if _read_by_step(update, p, f)]
    return direct[0] if len(direct) == 1 and f.number(direct[0]) is not None else None


def _ancestry(f: Formulas, loss: Pos, cells: set[Pos]) -> set[Pos]:
    """The cells of the iteration the loss is computed from (its forward pass)."""
    return f.behind(f.precedents(loss), cells.__contains__)


def _cone(f: Formulas, step: tuple[Pos, ...], backward: set[Pos], shared: set[Pos]) -> set[Pos]:
    """The backward cells a step (the cells it reads) reads, directly or through other backward
    cells, and any number typed where a backward cell belongs (read directly by the step, not η)."""
    read = [f.original(p) for p in step]
    typed = {p for p in read if f.typed(p) and p not in shared}
    return typed | f.behind(read, backward.__contains__)


def _backward_reads(f: Formulas, pos: Pos, backward: set[Pos]) -> list[Pos]:
    return [q for q in (f.original(p) for p in f.precedents(pos)) if q in backward]


def _read_by_step(update, pos: Pos, f: Formulas) -> bool:
    return any(f.original(p) == pos for p in update.reads)


def _explained(f: Formulas, pos: Pos, forward: set[Pos], loss: Pos) -> bool:
    """True if a backward cell is the derivative of a forward cell with respect to one it reads
    (σ' = ∂a/∂z, a − t = ∂E/∂a): a correct local derivative, whatever it feeds."""
    value = f.number(pos)
    if value is None or not f.computed(pos):
        return False
    for read in {f.original(p) for p in f.precedents(pos)}:
        if read not in forward:
            continue
        for reader in {f.original(r) for r in f.readers(read)}:
            if reader not in forward and reader != loss:
                continue
            local = _local_derivative(f, reader, read)
            if local is not None and any(agrees(value, s * local, abs(local)) for s in (1, -1)):
                return True
    return False


def _local_derivative(f: Formulas, cell: Pos, wrt: Pos) -> float | None:
    if cell not in f.trees or f.cells[cell].array:
        return None

    def read(p: Pos) -> Dual:
        p = f.original(p)
        number = f.number(p) or 0.0
        return Dual(number, {0: 1.0}) if p == wrt else Dual.const(number)

    try:
        result = run(f, cell, read)
    except Unsupported:
        return None
    return None if isinstance(result, list) else result.d.get(0, 0.0)


def _expected(f: Formulas, cell: Pos, update: Update, step: float, expected_step: float | None) -> float | None:
    """What the slip's cell should hold for its step to be right, when the step is proportional to it."""
    if expected_step is None:
        return None
    value = f.number(cell)
    if cell == update.cell:
        previous = f.number(update.previous)
        return None if previous is None else previous + expected_step
    if value is None or not _read_by_step(update, cell, f) or value == 0 or step == 0:
        return None
    return value * expected_step / step


def _explain(iteration: WrongSteps, j: int, cell: Pos, forward: set[Pos], expected_step: float | None) -> str:
    """Why a slip's cell, placed for parameter `j`'s step, is wrong, in the workbook's own labels: what
    it reads that the derivative does not (and what belongs there), a number typed over a formula, or
    a step's sign."""
    f, loss, evaluation, step = iteration.formulas, iteration.loss, iteration.evaluation, iteration.steps[j]
    parameter, update = iteration.chains.links[j][iteration.t], iteration.chains.update(j, iteration.t)
    name = _named(f, cell)
    what = f"the gradient of {_named(f, loss)} with respect to {_named(f, parameter)}"
    if f.typed(cell):
        return f"{name} is a number typed where a formula belongs; {what} is another number"
    reads = list(dict.fromkeys(f.original(q) for q in f.precedents(cell)))
    unreached = [p for p in reads if p in forward and j not in evaluation.dual(p).d]
    if unreached:
        wrong = unreached[0]
        instead = _in_place_of(f, wrong, reads, forward, evaluation, j)
        belongs = f" where {_named(f, instead)} belongs" if instead is not None else ""
        return (
            f"{name} reads {_named(f, wrong)}{belongs}: {_named(f, parameter)} does not reach "
            f"{_named(f, wrong)}, so its gradient does not depend on it"
        )
    if cell == update.cell:
        if expected_step is None:
            return f"its step, {step:.6g}, is not −η times {what}"
        if agrees(step, -expected_step, abs(step)):
            return f"its step has the wrong sign: it moves by {step:+.6g} where −η times {what} is {expected_step:+.6g}"
        return f"its step is {step:.6g} where −η times {what} is {expected_step:.6g}"
    if cell in forward or not _read_by_step(update, cell, f):
        return (
            f"{name} is read only by updates that go wrong, and it is not the local derivative of any cell it "
            "reads (as σ' = a(1 − a) or a − t would be): check its formula first"
        )
    return f"{name} is not {what} (up to the ½, sum or mean the other updates share)"


def _in_place_of(
    f: Formulas, wrong: Pos, reads: list[Pos], forward: set[Pos], evaluation: Evaluation, j: int
) -> Pos | None:
    """The cell the parameter does reach that a formula reading `wrong` should read instead: one of
    the forward pass computed as `wrong` is (`=1/(1+EXP(-K36))` for `=1/(1+EXP(-I36))`), the nearest."""
    shape = f.blotted(wrong)
    if shape is None:
        return None
    options = [
        p
        for p in forward
        if p not in reads and f.blotted(p) == shape and p[0] == wrong[0] and j in evaluation.dual(p).d
    ]
    return min(options, key=lambda p: (abs(p[1] - wrong[1]) + abs(p[2] - wrong[2]), p), default=None)


def label(f: Formulas, pos: Pos) -> str:
    """The text that names a cell (`cells.labels.Labels.name`): its column's header however far up,
    else its row's label; a caption such as `value` or `sample 1` gives way to the row's label."""
    return labels_of(f.book).name(pos, far=True).strip()


def _named(f: Formulas, pos: Pos) -> str:
    text = label(f, pos)
    address = f.address(pos)
    return f"{address} ({text})" if text else address
