"""`check` with no network file: each update judged against the derivative of the workbook's own
forward pass.

The workbook's updates (`cells.chains`) say what it trains and what each iteration's parameters
are. For each iteration, its cells are recomputed from their own formulas with exact derivatives
(`cells.evaluation`); the *loss* is the cell whose derivatives the steps follow: every step must
be one factor `c` (−η times the loss's convention: ½, a sum, a mean, a logarithm's base) times
the derivative of that loss with respect to its parameter. A step that is not is wrong, and the
slip is placed where its calculation first leaves the derivative: the backward cell, read only
by wrong steps, that is no derivative of the forward cells it reads; else the gradient cell the
update reads; else the update itself.

No layout and no network is assumed, so any workbook that trains by formulas is judged; what
only the assignment can say (a forward pass that is not the network's) needs `--config`.

Guarantee: a step is called wrong only when the derivative of the workbook's own formulas, at
its own numbers, differs from it beyond float rounding (`STEP_RELATIVE`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sheetnet.book import Book, Cell, column_letter
from sheetnet.cells.chains import Chains, Update, feeds, find_chains
from sheetnet.cells.dual import Dual, Unsupported, evaluate
from sheetnet.cells.evaluation import Evaluation, shown_value
from sheetnet.cells.formulas import Formulas, formulas_of
from sheetnet.cells.labels import names_loss
from sheetnet.check.factor import STEP_FLOOR, agrees, common_factor, mode, parameter_rates, shared_reads
from sheetnet.formula import Pos, references
from sheetnet.status import FOUND, MISMATCH, SLIP

RIGHT, WRONG, NOT_JUDGED = "right", "wrong", "not judged"
FORMULA_SHOWN = 80  # characters of a formula a message quotes

REMEMBER_REACH = 2_000  # cells searched back from a value a step carries for the parameters it came from


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
class Step:
    """One parameter's update in one iteration, judged."""

    t: int
    parameter: Pos
    update: Pos
    status: str  # FOUND (follows the derivative) or MISMATCH
    cell: Cell | None = None  # the update's cell


@dataclass
class DerivedTable:
    """The updates that train together (a table), judged iteration by iteration."""

    chains: Chains
    sheet: str
    losses: dict[int, Pos] = field(default_factory=dict)  # by iteration: the loss the steps follow
    factors: dict[int, float] = field(default_factory=dict)  # by iteration: c, step = c·∂L/∂p
    steps: list[Step] = field(default_factory=list)
    unjudged: dict[int, str] = field(default_factory=dict)  # iterations not judged, and why
    # iterations not judged because of one cell (a function it cannot differentiate, text where a
    # number belongs): that cell, and what it holds that cannot be evaluated
    blocked: dict[int, tuple[Pos, str]] = field(default_factory=dict)
    eta: float = float("nan")  # the η cell the steps share, if they share one
    eta_cell: Pos | None = None  # that cell
    range: str = ""
    last_computed: bool = False  # the parameters after the last update feed a forward pass of their own
    scale: float = 0.0  # the largest step of the iterations judged so far: what "near 0" is measured by

    @property
    def iterations(self) -> int:
        return self.chains.iterations

    @property
    def done(self) -> int:
        """The iterations the table holds: each judged with its updates, and a last forward pass
        from the last updates, where the table computes one (a row per iteration does)."""
        return len({s.t for s in self.steps}) + self.last_computed

    @property
    def held(self) -> int:
        """The iterations the table holds, judged or not: its updates', and a last forward pass
        from the last updates where it computes one."""
        return self.iterations + self.last_computed

    @property
    def verdict(self) -> str:
        if not self.steps:
            return NOT_JUDGED
        return RIGHT if all(s.status == FOUND for s in self.steps) else WRONG


@dataclass
class Derivation:
    """The verdict on a workbook judged against its own forward pass."""

    book: Book
    formulas: Formulas
    chains: Chains
    tables: list[DerivedTable] = field(default_factory=list)
    slips: list[Slip] = field(default_factory=list)
    unread: set[int] = field(
        default_factory=set
    )  # iterations where a parameter that steps is read by no cell its loss is computed from
    network = None
    note: str = ""

    @property
    def steps(self) -> list[Step]:
        return [s for table in self.tables for s in table.steps]

    @property
    def judged(self) -> bool:
        """Every iteration of every table judged (one not judged could hide a slip)."""
        return bool(self.steps) and not any(t.unjudged for t in self.tables)

    @property
    def decided(self) -> bool:
        """Judged, or wrong before the first iteration not judged: a slip no later iteration mends."""
        if self.judged:
            return True
        first, stops = self.first_mismatch, [t for table in self.tables for t in table.unjudged]
        return first is not None and bool(stops) and first.t < min(stops)

    @property
    def elements(self) -> list[Step]:
        return self.steps

    @property
    def mismatches(self) -> list[Slip]:
        return self.slips

    @property
    def first_mismatch(self) -> Slip | None:
        return self.slips[0] if self.slips else None

    @property
    def exit_code(self) -> int:
        """0 right, 1 wrong; 2 not judged: what is missing is the user's to give (--config)."""
        if not self.decided:
            return 2
        return 1 if self.slips else 0

    @property
    def blocked(self) -> tuple[int, Cell, str] | None:
        """The first iteration not judged because of one cell's formula, that cell and why."""
        found = sorted((t, pos, why) for table in self.tables for t, (pos, why) in table.blocked.items())
        if not found:
            return None
        t, pos, why = found[0]
        cell = self.formulas.cells.get(pos) or Cell(self.formulas.sheets[pos[0]], pos[1], pos[2], None)
        return t, cell, why

    @property
    def unjudged(self) -> list[str]:
        return sorted({why for table in self.tables for why in table.unjudged.values()})

    @property
    def verdict(self) -> str:
        return NOT_JUDGED if not self.decided else WRONG if self.slips else RIGHT

    @property
    def table(self) -> DerivedTable | None:
        """The table the verdict is about: the first slip's, else the first."""
        first = self.first_mismatch
        if first is not None:
            return next((t for t in self.tables if t.sheet == first.cell.sheet), self.tables[0])
        return self.tables[0] if self.tables else None

    @property
    def blocked_text(self) -> str:
        """Which cell stopped the judgement and why, in a sentence; "" if none did."""
        if self.blocked is None:
            return ""
        t, cell, why = self.blocked
        return (
            f"{cell.address} holds {_cut(cell.formula or str(cell.value))}: {why}, so iteration {t} cannot be "
            "judged against the derivative of its own forward pass"
        )

    @property
    def problem(self) -> str:
        if self.decided:
            return ""
        if self.blocked is not None:
            return f"{self.blocked_text}; give the assignment's network with --config, which judges that cell's number"
        reasons = "; ".join(self.unjudged)[:400] or "no loss cell"
        return (
            f"it trains by formulas, but not every iteration can be judged against its own forward pass ({reasons}), "
            "and no network can be read from it: give the assignment's network with --config"
        )

    @property
    def message(self) -> str:
        """The verdict in a sentence, whatever it is."""
        first = self.first_mismatch
        if not self.decided:
            return self.problem
        if first is not None:
            return f"first slip in {first.cell.address}, iteration {first.t}: {first.name}"
        steps = len(self.steps)
        return f"each of its {steps:,} updates moves its parameter by −η times the gradient of {self.loss_text()}"

    def count(self, status: str) -> int:
        return sum(s.status == status for s in self.steps)

    def only(self, sheets: set[str]) -> Derivation:
        """The same judgement of the tables on `sheets` alone (the sheets a check against a network read)."""
        from dataclasses import replace

        return replace(
            self,
            tables=[t for t in self.tables if t.sheet in sheets],
            slips=[s for s in self.slips if s.cell.sheet in sheets],
        )

    def forward(self, t: int) -> set[Pos]:
        """The cells iteration `t`'s losses are computed from, back to its parameters (the loss included)."""
        f, out = self.formulas, set()
        for table in self.tables:
            loss = table.losses.get(t)
            if loss is not None:
                stop = table.chains.variables(t)
                out |= {loss} | f.behind(f.precedents(loss), lambda p, stop=stop: p not in stop and f.computed(p))
        return out

    def loss_text(self) -> str:
        """The loss the steps follow: its label and its cell in the first iteration judged."""
        cells = sorted({p for table in self.tables for p in table.losses.values()})
        if not cells:
            return "no loss"
        first = cells[0]
        where = " in iteration 0" if len(cells) > 1 else ""
        return f"{label(self.formulas, first) or 'the loss'} ({self.formulas.address(first)}{where})"


def derive(book: Book, formulas: Formulas | None = None) -> Derivation | None:
    """Judge `book`'s updates against its own forward pass; None if it trains nothing by formula.
    Judged once per book: `check` asks for it where it reads the tables and again where it reports."""
    if formulas is None and "derivation" in book.derived:
        return book.derived["derivation"]
    try:
        result = _derive(book, formulas)
    except (Unsupported, RecursionError):  # formulas nested past Python's stack: judged by other means
        result = None
    book.derived["derivation"] = result
    return result


def _derive(book: Book, formulas: Formulas | None) -> Derivation | None:
    formulas = formulas or formulas_of(book)
    chains = find_chains(formulas)
    if not chains.links or not chains.iterations:
        return None
    result = Derivation(book, formulas, chains)
    for part in chains.tables(formulas):
        eta, eta_cell = _eta(formulas, part)
        table = DerivedTable(part, book.sheets[part.links[0][0][0]], eta=eta, eta_cell=eta_cell)
        table.last_computed = any(feeds(formulas, chain[-1]) for chain in part.links)
        table.range = _extent(formulas, part, table.sheet)
        result.tables.append(table)
        for t in range(part.iterations):
            _judge_iteration(result, table, t)
    result.slips.sort(key=lambda s: (s.t, _order(formulas, s.cell)))
    return result


class _Later:
    """The parameters' cells of the iterations after the next one: `p in later`, in constant time."""

    def __init__(self, chains: Chains, t: int) -> None:
        index = chains.derived.get("index")
        if index is None:
            index = chains.derived["index"] = {c: i for chain in chains.links for i, c in enumerate(chain)}
        self.index, self.t = index, t

    def __contains__(self, pos: object) -> bool:
        return self.index.get(pos, -1) > self.t + 1  # type: ignore[call-overload]


def _eta(f: Formulas, chains: Chains) -> tuple[float, Pos | None]:
    """The η the steps share, and its cell; NaN and None where they share none."""
    shared = [(f.number(p), p) for p in sorted(shared_reads(f, chains, 0))]
    return next(((v, p) for v, p in shared if v is not None), (float("nan"), None))


def _order(formulas: Formulas, cell: Cell) -> tuple[int, int, int]:
    return (formulas.sheets.index(cell.sheet), cell.row, cell.col)


def _judge_iteration(result: Derivation, table: DerivedTable, t: int) -> None:
    f, chains = result.formulas, table.chains
    variables = chains.variables(t)
    numbered = {j: p for p, j in variables.items()}
    evaluation = Evaluation(f, variables, set(chains.updates) - set(variables))
    try:
        reached = evaluation.reached(_Later(chains, t))
    except Unsupported as exc:
        table.unjudged[t] = str(exc)
        return
    steps: dict[int, float] = {}
    rates, own_etas = parameter_rates(f, chains, t)  # each step's own η, where parameters have one each
    for j in numbered:
        try:
            steps[j] = shown_value(f, chains.update(j, t).step) / rates.get(j, 1.0)
        except (Unsupported, ZeroDivisionError) as exc:
            table.unjudged[t] = f"a step it cannot compute ({exc})"
            table.blocked[t] = (chains.update(j, t).cell, str(exc) or "a division by 0")
            return
    cells = set(reached) - set(chains.updates)
    remembered = _remembers(f, chains, t, cells)
    if remembered is not None:
        table.unjudged[t] = (
            "its steps carry earlier iterations' gradients (momentum, Adam): no derivative of one iteration's loss"
        )
        why = _unevaluable(f, remembered)  # or an update it cannot read as one: `=IFERROR(w-η*g,0)`
        if why:
            table.blocked[t] = (remembered, why)
        return
    table.scale = max([table.scale, *(abs(v) for v in steps.values())])
    if all(abs(v) <= STEP_FLOOR * table.scale for v in steps.values()):  # converged: every step is 0
        for j in sorted(numbered):
            update = chains.update(j, t).cell
            table.steps.append(Step(t, numbered[j], update, FOUND, f.cells.get(update)))
        return
    stepped = _read_by_steps(f, chains, t, cells)
    candidates = [p for p in reached if p in cells and p not in stepped]  # the loss is among these
    # the loss is most often read by none of them (E_total): those first, the others if they fall short
    sinks = [p for p in candidates if not any(f.original(r) in cells for r in f.readers(p))]
    duals: dict[Pos, Dual] = {}
    failed: dict[Pos, None] = {}  # candidates that cannot be evaluated, in order
    fit = None
    for group in (sinks, candidates):
        for pos in group:
            if pos not in duals:
                try:
                    duals[pos] = evaluation.dual(pos)
                except Unsupported:
                    failed[pos] = None
                    continue
        fit = _choose_loss(f, duals, steps, table.scale, None if math.isnan(table.eta) else table.eta)
        if fit is not None and len(fit[2]) == len(steps):
            break
    if fit is None:
        fit = _only_loss(f, {p: duals[p] for p in sinks if p in duals}, steps, table.scale)
    if fit is None:
        table.unjudged[t] = "no cell is the loss whose derivatives the updates follow"
        origin = _unevaluated(f, failed, cells)
        if origin is not None:
            table.blocked[t] = origin
        return
    loss, factor, matched = fit
    table.losses[t], table.factors[t] = loss, factor
    wrong = [j for j in numbered if j not in matched]
    reached = evaluation.dual(loss).d
    if any(j not in reached and abs(steps[j]) > STEP_FLOOR * table.scale for j in wrong):
        result.unread.add(t)
    for j in sorted(numbered):
        status = FOUND if j in matched else MISMATCH
        update = chains.update(j, t).cell
        table.steps.append(Step(t, numbered[j], update, status, f.cells.get(update)))
    if wrong:
        raw = {j: s * rates.get(j, 1.0) for j, s in steps.items()}
        wrong_steps = WrongSteps(
            formulas=f,
            chains=chains,
            t=t,
            evaluation=evaluation,
            cells=cells,
            loss=loss,
            factor=factor,
            steps=raw,
            wrong=wrong,
            rates=rates,
            own_etas=own_etas,
        )
        result.slips.extend(_place_slips(wrong_steps))


def _choose_loss(
    f: Formulas, duals: dict[Pos, Dual], steps: dict[int, float], scale: float, eta: float | None = None
) -> tuple[Pos, float, set[int]] | None:
    """The cell whose derivatives, times one factor, are the steps of the most parameters. A
    factor above 0 climbs the loss: every step that follows it has the wrong sign."""
    best: tuple[tuple, Pos, float, set[int]] | None = None
    for pos, value in duals.items():
        if not value.d:
            continue
        factor = common_factor(steps, value.d, scale, eta)
        if factor is None:
            continue
        matched = {j for j, s in steps.items() if agrees(s, factor * value.d.get(j, 0.0), scale)}
        informative = sum(1 for j in matched if abs(steps[j]) > STEP_FLOOR * scale)
        named = names_loss(label(f, pos))
        key = (informative, factor < 0, len(value.d), named, pos)
        if best is None or key > best[0]:
            best = (key, pos, factor, matched)
    if best is None:
        return None
    (informative, _, _, named, _), pos, factor, matched = best
    if informative < 2 and not ((named or len(steps) == 1) and informative >= 1):
        return None
    if factor > 0:  # every step that follows it climbs: wrong, each at its update
        still = {j for j in matched if abs(steps[j]) <= STEP_FLOOR * scale}
        return pos, -factor, still
    return pos, factor, matched


def _only_loss(
    f: Formulas, sinks: dict[Pos, Dual], steps: dict[int, float], scale: float
) -> tuple[Pos, None, set[int]] | None:
    """Where no two steps share a factor over any cell's derivatives (a slip every gradient reads,
    δ of the output): the loss is the one cell the calculation ends in that depends on every
    parameter, and every step that is not 0 where its derivative is 0 is wrong."""
    whole = [p for p, d in sinks.items() if len(d.d) == len(steps)]
    if len(whole) != 1 or len(steps) < 2:  # one parameter's step always shares a factor with itself
        return None
    loss = whole[0]
    derivative = sinks[loss].d
    still = {j for j, s in steps.items() if abs(s) <= STEP_FLOOR * scale and derivative.get(j, 0.0) == 0.0}
    return loss, None, still


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


def _place_slips(iteration: WrongSteps) -> list[Slip]:
    """A slip for each wrong step, where its calculation first leaves the derivative; one per cell."""
    f, chains, t, loss = iteration.formulas, iteration.chains, iteration.t, iteration.loss
    evaluation, factor, rates = iteration.evaluation, iteration.factor, iteration.rates
    steps, wrong = iteration.steps, iteration.wrong
    forward = _ancestry(f, loss, iteration.cells)
    backward = {p for p in iteration.cells if p not in forward and p != loss}
    shared = shared_reads(f, chains, t) | iteration.own_etas
    cones = {j: _cone(f, chains.update(j, t).step, backward, shared) for j in range(len(chains.links)) if j in steps}
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
    right_shapes = {_shape(f, chains.update(j, t).cell) for j in cones if j not in wrong_set}
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
            and _shape(f, update.cell) not in right_shapes
        )
        if flipped or (
            g is not None and d and usual is not None and agrees(f.number(g) or 0.0, usual * d, abs(usual * d))
        ):
            cell = update.cell  # its gradient is right: the update uses it wrong (its sign, its η)
        elif first:
            cell = min(first, key=lambda p: p)
        else:
            direct = [p for p in cones[j] if p in f.precedents(update.cell) or _read_by_step(update, p, f)]
            cell = direct[0] if len(direct) == 1 else update.cell
        if cell in placed:
            continue
        placed.add(cell)
        expected = _expected(f, cell, update, steps[j], expected_step)
        why = _explain(f, cell, parameter, update, loss, evaluation, j, forward, expected_step, steps[j])
        reads = [f.address(p) if p[0] != cell[0] else f.address(p).split("!")[-1] for p in f.precedents(cell)]
        slip = Slip(t, f.cells[cell], label(f, cell) or "step", _named(f, parameter), expected, why, reads=reads)
        slips.append(slip)
    return slips


def _unevaluated(f: Formulas, starts: dict[Pos, None], cells: set[Pos]) -> tuple[Pos, str] | None:
    """A cell of the iteration the first of `starts` is computed from whose own formula cannot be
    evaluated, and why: where a loss that cannot be differentiated goes wrong."""
    for start in starts:
        for pos in sorted(f.behind([start], cells.__contains__)):
            why = _unevaluable(f, pos)
            if why:
                return pos, why
    return None


def _extent(f: Formulas, chains: Chains, sheet: str) -> str:
    """`B7:C10`: the cells of the table's parameters, first to last update, on its sheet."""
    s = f.sheets.index(sheet)
    cells = [p for chain in chains.links for p in chain if p[0] == s]
    if not cells:
        return ""
    rows, cols = [p[1] for p in cells], [p[2] for p in cells]
    return f"{column_letter(min(cols))}{min(rows)}:{column_letter(max(cols))}{max(rows)}"


def _unevaluable(f: Formulas, pos: Pos) -> str:
    """Why the cell's own formula cannot be evaluated on the numbers the workbook shows; "" if it can."""
    tree = f.trees.get(pos)
    try:
        if tree is not None:
            shown_value(f, tree)
    except Unsupported as exc:
        return str(exc)
    return ""


def _cut(text: str) -> str:
    return text if len(text) <= FORMULA_SHOWN else text[: FORMULA_SHOWN - 1] + "…"


def _remembers(f: Formulas, chains: Chains, t: int, cells: set[Pos]) -> Pos | None:
    """A cell a step reads that an earlier iteration computed from its parameters (momentum's
    velocity, Adam's moments), if there is one: such a step is no derivative of one iteration's loss."""
    links = {c for chain in chains.links for c in chain}
    todo = [f.original(r.pos) for j in chains.variables(t).values() for r in references(chains.update(j, t).step)]
    seen = set(todo)
    while todo:
        here = todo.pop()
        if here in links:
            continue
        if f.computed(here) and here not in cells:
            if _reaches(f, here, links):
                return here
            continue
        for p in f.precedents(here):
            p = f.original(p)
            if p not in seen and (p in cells or f.computed(p)):
                seen.add(p)
                todo.append(p)
    return None


def _reaches(f: Formulas, start: Pos, targets: set[Pos]) -> bool:
    """True if `start` is computed, through the cells it reads, from one of `targets`."""
    todo, seen = [start], {start}
    while todo and len(seen) < REMEMBER_REACH:
        for p in f.precedents(todo.pop()):
            p = f.original(p)
            if p in targets:
                return True
            if p not in seen and f.computed(p):
                seen.add(p)
                todo.append(p)
    return False


def _gradient_cell(f: Formulas, update: Update, cone: set[Pos]) -> Pos | None:
    """The one backward cell an update's step reads directly (`w − η·g`: g), if there is one."""
    direct = [p for p in cone if _read_by_step(update, p, f)]
    return direct[0] if len(direct) == 1 and f.number(direct[0]) is not None else None


def _read_by_steps(f: Formulas, chains: Chains, t: int, cells: set[Pos]) -> set[Pos]:
    """The iteration's cells the steps read, directly or not: the backward pass and what it reads
    of the forward pass, never the loss (no step reads the loss itself)."""
    steps = [r.pos for j in chains.variables(t).values() for r in references(chains.update(j, t).step)]
    return f.behind(steps, cells.__contains__)


def _ancestry(f: Formulas, loss: Pos, cells: set[Pos]) -> set[Pos]:
    """The cells of the iteration the loss is computed from (its forward pass)."""
    return f.behind(f.precedents(loss), cells.__contains__)


def _cone(f: Formulas, step, backward: set[Pos], shared: set[Pos]) -> set[Pos]:
    """The backward cells a step reads, directly or through other backward cells, and any number
    typed where a backward cell belongs (read directly by the step, not η)."""
    read = [f.original(r.pos) for r in references(step)]
    typed = {p for p in read if f.typed(p) and p not in shared}
    return typed | f.behind(read, backward.__contains__)


def _backward_reads(f: Formulas, pos: Pos, backward: set[Pos]) -> list[Pos]:
    return [q for q in (f.original(p) for p in f.precedents(pos)) if q in backward]


def _read_by_step(update, pos: Pos, f: Formulas) -> bool:
    return any(f.original(r.pos) == pos for r in references(update.step))


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
    tree = f.trees.get(cell)
    if tree is None or f.cells[cell].array:
        return None

    def read(p: Pos) -> Dual:
        p = f.original(p)
        number = f.number(p) or 0.0
        return Dual(number, {0: 1.0}) if p == wrt else Dual.const(number)

    try:
        result = evaluate(tree, read)
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


def _explain(
    f: Formulas,
    cell: Pos,
    parameter: Pos,
    update,
    loss: Pos,
    evaluation: Evaluation,
    j: int,
    forward: set[Pos],
    expected_step: float | None,
    step: float,
) -> str:
    """Why a slip's cell is wrong, in the workbook's own labels: what it reads that the derivative
    does not (and what belongs there), a number typed over a formula, or a step's sign."""
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
    shape = _shape(f, wrong)
    if shape is None:
        return None
    options = [
        p
        for p in forward
        if p not in reads and _shape(f, p) == shape and p[0] == wrong[0] and j in evaluation.dual(p).d
    ]
    return min(options, key=lambda p: (abs(p[1] - wrong[1]) + abs(p[2] - wrong[2]), p), default=None)


def _shape(f: Formulas, pos: Pos) -> str | None:
    """A formula with its references blotted out: what it computes, not from where."""
    cell = f.cells.get(pos)
    if cell is None or not cell.formula:
        return None
    return re.sub(r"(?:'[^']*'|[A-Za-z_][\w.]*)?!?\$?[A-Za-z]{1,3}\$?\d+", "·", cell.formula.replace(" ", ""))


def label(f: Formulas, pos: Pos) -> str:
    """The text that labels a cell: its column's header, else its row's label."""
    from sheetnet.check.grid import grid_of

    grid = grid_of(f.book)
    return (grid.column_label(pos) or grid.row_label(pos)).strip()


def _named(f: Formulas, pos: Pos) -> str:
    text = label(f, pos)
    address = f.address(pos)
    return f"{address} ({text})" if text else address
