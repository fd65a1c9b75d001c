"""`check` with no network file: each update judged against the derivative of the workbook's own
forward pass.

The workbook's updates (`cells.chains`) say what it trains and what each iteration's parameters
are. For each iteration, its cells are recomputed from their own formulas with exact derivatives
(`cells.evaluation`); the *loss* is the cell whose derivatives the steps follow: every step must
be one factor `c` (−η times the loss's convention: ½, a sum, a mean, a logarithm's base) times
the derivative of that loss with respect to its parameter (`factor`). A step that is not is wrong,
and the slip is placed where its calculation first leaves the derivative (`slips`): the backward
cell, read only by wrong steps, that is no derivative of the forward cells it reads; else the
gradient cell the update reads; else the update itself.

No layout and no network is assumed, so any workbook that trains by formulas is judged; what
only the assignment can say (a forward pass that is not the network's) needs `--config`.

Guarantee: a step is called wrong only when the derivative of the workbook's own formulas, at
its own numbers, differs from it beyond float rounding (`factor.STEP_RELATIVE`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sheetnet.book import Book, Cell, column_letter
from sheetnet.cells.chains import Chains, feeds, find_chains
from sheetnet.cells.dual import Dual, Unsupported
from sheetnet.cells.evaluation import Evaluation, shown_value, shown_without
from sheetnet.cells.formulas import Formulas, formulas_of
from sheetnet.cells.labels import labels_of, names_loss
from sheetnet.check.factor import STEP_FLOOR, agrees, common_factor, parameter_rates, shared_reads
from sheetnet.check.slips import Slip, WrongSteps, place_slips
from sheetnet.collector import quiet
from sheetnet.formula import Pos
from sheetnet.status import FOUND, MISMATCH

RIGHT, WRONG, NOT_JUDGED = "right", "wrong", "not judged"
FORMULA_SHOWN = 80  # characters of a formula a message quotes

REMEMBER_REACH = 2_000  # cells searched back from a value a step carries for the parameters it came from


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
        """The loss the steps follow: its own label and its cell in the first iteration judged."""
        cells = sorted({p for table in self.tables for p in table.losses.values()})
        if not cells:
            return "no loss"
        first = cells[0]
        where = " in iteration 0" if len(cells) > 1 else ""
        own = labels_of(self.formulas.book).name(first).strip()
        return f"{own or 'the loss'} ({self.formulas.address(first)}{where})"


def derive(book: Book) -> Derivation | None:
    """Judge `book`'s updates against its own forward pass; None if it trains nothing by formula.
    Judged once per book: `check` asks for it where it reads the tables and again where it reports."""
    return book.kept("derivation", _derived)


def derive_handmade(book: Book) -> Derivation | None:
    """`derive`, for a workbook a person made: None for one sheetnet wrote (its Setup sheet says its
    network, and where every number is) or an exercise sheetnet wrote."""
    return None if book.exercise or book.written else derive(book)


@quiet  # it makes thousands of small objects (trees, duals) the collector would walk with the book's cells
def _derived(book: Book) -> Derivation | None:
    try:
        return _derive(book)
    except (Unsupported, RecursionError):  # formulas nested past Python's stack: judged by other means
        return None


def _derive(book: Book) -> Derivation | None:
    formulas = formulas_of(book)
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


def _later(f: Formulas, chains: Chains, t: int) -> Callable[[Pos], bool]:
    """Whether a cell reads the parameters' cells of an iteration after the next one, in constant
    time: what each cell reads latest is worked out once per table, whatever the iteration."""
    latest = chains.derived.get("latest")
    if latest is None:
        index = {c: i for chain in chains.links for i, c in enumerate(chain)}
        latest = chains.derived["latest"] = _LatestRead(f, index)
    known, after = latest.known, t + 1

    def later(pos: Pos) -> bool:
        read = known.get(pos)
        return (latest(pos) if read is None else read) > after

    return later


class _Running:
    """Whether a cell runs on across iterations (a running total of the loss, `=E5+C6`; an iteration
    count): it reads its own place in the iteration before, or its place in the iteration after reads
    it, both computed. An iteration's loss reads its own iteration's cells only, so it is never one.
    Its place in another iteration is where the updates move from one iteration to the next (the
    table's strides, from each update to the next), so any layout is read alike."""

    def __init__(self, f: Formulas, chains: Chains) -> None:
        strides = chains.derived.get("strides")
        if strides is None:
            steps = (pair for chain in chains.links for pair in itertools.pairwise(chain[1:]))
            strides = chains.derived["strides"] = {tuple(b - a for a, b in zip(u, v, strict=True)) for u, v in steps}
        self.precedents, self.strides = f.precedents_by_cell(), strides

    def __call__(self, pos: Pos) -> bool:
        precedents, (s, r, c) = self.precedents, pos
        for ds, dr, dc in self.strides:
            before = (s - ds, r - dr, c - dc)
            if before in precedents and before in precedents.get(pos, ()):
                return True
            reads = precedents.get((s + ds, r + dr, c + dc))  # those of the cell after, if computed
            if reads is not None and pos in reads:
                return True
        return False


class _LatestRead:
    """The latest iteration whose parameters' cells a formula reads (copies followed); −1 for none."""

    def __init__(self, f: Formulas, index: dict[Pos, int]) -> None:
        self.f, self.index, self.known = f, index, {}

    def __call__(self, pos: Pos) -> int:
        latest = self.known.get(pos)
        if latest is None:
            index, original, latest = self.index, self.f.original, -1
            for p in self.f.precedents(pos):
                read = index.get(original(p), -1)
                if read > latest:
                    latest = read
            self.known[pos] = latest
        return latest


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
    evaluation = Evaluation(f, variables, chains.updates.keys() - variables.keys())  # the other updates
    try:
        reached = evaluation.reached(_later(f, chains, t))
    except Unsupported as exc:
        table.unjudged[t] = str(exc)
        return
    steps: dict[int, float] = {}
    rates, own_etas = parameter_rates(f, chains)  # each step's own η, where parameters have one each
    for j in numbered:
        try:
            update = chains.update(j, t)
            steps[j] = shown_without(f, update.cell, update.term) / rates.get(j, 1.0)
        except (Unsupported, ZeroDivisionError) as exc:
            table.unjudged[t] = f"a step it cannot compute ({exc})"
            table.blocked[t] = (chains.update(j, t).cell, str(exc) or "a division by 0")
            return
    updates = chains.updates
    cells = {p for p in reached if p not in updates}
    step_reads = _step_reads(chains, t)
    remembered = _remembers(f, chains, step_reads, cells)
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
    stepped = f.behind(step_reads, cells.__contains__)  # the backward pass and what it reads, never the loss
    running = _Running(f, chains)  # a running total of the losses (or a count) is no iteration's loss
    candidates = [p for p in reached if p in cells and p not in stepped and not running(p)]  # the loss is among these
    # the loss is most often read by none of them (E_total), or by a running total only: those first,
    # the others if they fall short
    sinks = [p for p in candidates if not any(f.original(r) in cells and not running(r) for r in f.readers(p))]
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
        fit = _loss_moved(f, table, t, evaluation, cells, steps)
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
        result.slips.extend(place_slips(wrong_steps))


def _choose_loss(
    f: Formulas, duals: dict[Pos, Dual], steps: dict[int, float], scale: float, eta: float | None = None
) -> tuple[Pos, float, set[int]] | None:
    """The cell whose derivatives, times one factor, are the steps of the most parameters. A
    factor above 0 climbs the loss: every step that follows it has the wrong sign."""
    best: tuple[tuple, Pos, float, set[int]] | None = None
    labels = labels_of(f.book)
    for pos, value in duals.items():
        if not value.d:
            continue
        factor = common_factor(steps, value.d, scale, eta)
        if factor is None:
            continue
        matched = {j for j, s in steps.items() if agrees(s, factor * value.d.get(j, 0.0), scale)}
        informative = sum(1 for j in matched if abs(steps[j]) > STEP_FLOOR * scale)
        # the text over its column however far up, else its row's: what the ranking was measured with
        # (a caption over it included, as `mean`; not the text that names it, `slips.label`)
        named = names_loss(labels.column_label(pos) or labels.row_label(pos))
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


def _loss_moved(
    f: Formulas, table: DerivedTable, t: int, evaluation: Evaluation, cells: set[Pos], steps: dict[int, float]
) -> tuple[Pos, float, set[int]] | None:
    """Where no cell's derivatives two steps follow (a forward pass that reads another iteration's
    weights: only the bias follows the loss): the loss is the iteration before's, moved as every
    parameter moved from it, with its factor (the loss's convention and η do not change), if one
    step at least follows it there; the others are wrong."""
    before, factor = table.losses.get(t - 1), table.factors.get(t - 1)
    links = [chain for chain in table.chains.links if len(chain) > t + 1]
    moves = {tuple(a - b for a, b in zip(chain[t], chain[t - 1], strict=True)) for chain in links}
    if before is None or factor is None or len(moves) != 1:
        return None
    loss = tuple(a + d for a, d in zip(before, moves.pop(), strict=True))
    if loss not in cells:
        return None
    try:
        derivative = evaluation.dual(loss).d  # type: ignore[arg-type]
    except Unsupported:
        return None
    matched = {j for j, s in steps.items() if agrees(s, factor * derivative.get(j, 0.0), table.scale)}
    if not any(abs(steps[j]) > STEP_FLOOR * table.scale for j in matched):
        return None
    return loss, factor, matched  # type: ignore[return-value]


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


def _remembers(f: Formulas, chains: Chains, step_reads: list[Pos], cells: set[Pos]) -> Pos | None:
    """A cell the steps read (`step_reads`) that an earlier iteration computed from its parameters
    (momentum's velocity, Adam's moments), if there is one: such a step is no derivative of one
    iteration's loss."""
    links = chains.derived.get("cells")
    if links is None:
        links = chains.derived["cells"] = {c for chain in chains.links for c in chain}
    original, precedents, no_reads = f.original, f.precedents_by_cell(), ()
    todo = [original(p) for p in step_reads]
    seen = set(todo)
    while todo:
        here = todo.pop()
        if here in links:
            continue
        if here in precedents and here not in cells:  # computed, in an earlier iteration
            if _reaches(f, here, links):
                return here
            continue
        for p in precedents.get(here, no_reads):
            p = original(p)
            if p not in seen and (p in cells or p in precedents):
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


def _step_reads(chains: Chains, t: int) -> list[Pos]:
    """The cells iteration `t`'s steps read, step by step, in their order."""
    return [p for j in chains.variables(t).values() for p in chains.update(j, t).reads]
