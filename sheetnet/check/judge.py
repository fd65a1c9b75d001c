"""Judge every cell of a fitted table locally, and explain a slip from its formula's references.

Each cell is compared with two numbers: the run's, and its *local value*: the run's own expression
for it evaluated on the workbook's own numbers in the cells it depends on (the run's numbers where
the table holds none). A cell that agrees with the run is found. One that agrees with its local
value but not with the run *follows* from an earlier mismatch (or, when nothing before it is
wrong, carries the rounding of the numbers typed before it, and is found). One that agrees with
neither is a *slip*: its own calculation is wrong.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetnet.book import Cell, cell_address, column_letter
from sheetnet.cells.formulas import Formulas, formulas_of
from sheetnet.check.geometry import Layout
from sheetnet.check.grid import Grid, Pos, same, window_terms
from sheetnet.check.spots import Form, Ident, RunSpots, Spot, unnegated
from sheetnet.check.thresholds import PLACES
from sheetnet.graph import Expr, Key
from sheetnet.net import lr_key
from sheetnet.program import CompiledExprs, Reads
from sheetnet.status import ABSENT, FOLLOWS, FOUND, MISMATCH, SLIP, jsonable


@dataclass(frozen=True)
class Tolerance:
    """How close a cell must be to count as the expected number.

    By default it depends on how the cell is written. A number rounded by hand to d decimals
    (d at least 4, or 3 on a sheet typed to 3 places) is accepted within 5 units of its last place
    plus 10^-d of the value: 5e-4 + 1e-4·|x| at 4 decimals. A formula's result, or a number typed
    with 10 or more significant digits, is at full precision: 1e-12 + 1e-9·|x|. `--rtol`/`--atol`
    replace both.
    """

    rtol: float | None = None
    atol: float | None = None
    custom: bool = field(init=False, repr=False, compare=False)  # --rtol or --atol given (read once)

    def __post_init__(self) -> None:
        object.__setattr__(self, "custom", self.rtol is not None or self.atol is not None)

    def window(self, cell: Cell, places: int = PLACES) -> tuple[float, float]:
        """The tolerance for `cell` as (a, b): within a + b·|x| of x, d decimals counted as at
        least `places` (3 on a sheet typed to 3 places, else 4)."""
        if self.custom:
            return self.atol or 0.0, self.rtol or 0.0
        return window_terms(cell.decimals, places)

    def agrees(self, cell: Cell, expected: float, places: int = PLACES) -> bool:
        a, b = self.window(cell, places)
        return _within(float(cell.value), expected, a, b)

    def describe(self) -> str:
        if self.custom:
            return f"|found − expected| ≤ {self.atol or 0:g} + {self.rtol or 0:g}·|expected|"
        return (
            "numbers rounded to 4 decimals (3 on a sheet typed to 3) within 5e-4 + 1e-4·|x|; "
            "full-precision numbers within 1e-9 relative"
        )


def _within(number: float, expected: float, a: float, b: float) -> bool:
    """True if `number` is within a + b·|expected| of `expected` (a `Tolerance.window`)."""
    return math.isfinite(expected) and abs(number - expected) <= a + b * abs(expected)


@dataclass(slots=True)
class Element:
    """One number of the run, as `check` reports it (one per number judged: its attributes kept
    in slots, made fast)."""

    spot: Spot
    table: int = 0
    status: str = ABSENT
    cell: Cell | None = None
    kind: str | None = None  # SLIP or FOLLOWS, for a mismatch
    local: float | None = None  # what the workbook's own numbers give for it
    _reads: list[str] | None = None  # (a list made when first asked for: most elements are no slips)
    _explanation: str = ""
    # what works out `reads` and `explanation` of a slip when they are first asked for (a table of
    # thousands of slips shows a few: the rest are explained only where a report lists them)
    explain: Callable[[Element], None] | None = field(default=None, repr=False, compare=False)

    @property
    def reads(self) -> list[str]:
        """The cells a slip's formula reads, named as the sheet names them."""
        self._explained()
        if self._reads is None:
            self._reads = []
        return self._reads

    @reads.setter
    def reads(self, value: list[str]) -> None:
        self._reads = value

    @property
    def explanation(self) -> str:
        """What a slip's formula reads that it should not, in a teacher's words."""
        self._explained()
        return self._explanation

    @explanation.setter
    def explanation(self, value: str) -> None:
        self._explanation = value

    def _explained(self) -> None:
        if self.explain is not None:
            explain, self.explain = self.explain, None
            explain(self)

    @property
    def t(self) -> int:
        return self.spot.t

    @property
    def name(self) -> str:
        return self.spot.name

    @property
    def group(self) -> str:
        return self.spot.group

    @property
    def quantity(self):
        return self.spot.quantity

    @property
    def expected(self) -> float:
        return self.spot.value

    @property
    def found(self) -> float | str | None:
        """The number the cell holds, or the error it shows (`#DIV/0!`)."""
        if self.cell is None:
            return None
        return float(self.cell.value) if self.cell.is_number else str(self.cell.value)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "iteration": self.t,
            "quantity": self.name,
            "expected": jsonable(self.expected),
            "status": self.status,
        }
        if self.cell is not None:
            data["found"] = jsonable(self.found)
            data["cell"] = self.cell.address
        if self.kind is not None:
            data["kind"] = self.kind
        if self.kind == SLIP:
            data["reads"] = self.reads
            data["explanation"] = self.explanation
        return data


class _Recorder(Mapping[Key, float]):
    """The values an expression reads, noted as it reads them."""

    def __init__(self, values: dict[Key, float]) -> None:
        self.values = values
        self.read: list[Key] = []

    def __getitem__(self, key: Key) -> float:
        self.read.append(key)
        return self.values[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def _start(run: RunSpots) -> dict[Key, float]:
    local = dict(run.inputs)
    local.update({key: run.values[key] for key in run.fixed})
    return local


def local_values(run: RunSpots, layout: Layout, grid: Grid, iterations: int) -> dict[Key, float]:
    """Each number's local value under `layout` in the first `iterations` (used to fit the columns
    left over)."""
    judged = judge(run, layout, grid, Tolerance(), iterations, every_local=True)
    return {e.spot.key: e.local for e in judged if e.local is not None}


def judge(
    run: RunSpots,
    layout: Layout,
    grid: Grid,
    tolerance: Tolerance,
    iterations: int | None = None,
    every_local: bool = False,
) -> list[Element]:
    """Every number of the run (of its first `iterations`, if given), judged at the cell the
    layout gives it, in calculation order. What the spots of one form share (their compiled
    expressions, where their cells are) is looked up once, at its first spot (`_Form`).

    A cell that holds the run's number is found whatever the numbers before it, and what follows
    reads it: its local value is worked out only with `every_local` (fitting asks for every
    one; a report shows only a slip's, and those of cells that do not hold the run's number)."""
    local = _start(run)
    tainted: set[Key] = set()
    elements: list[Element] = []
    bases = set(layout.bases.values())  # a copy that is another element's cell is judged there
    placed: set[Key] = set()  # the numbers a cell holds
    numbers, errors = grid.cells, grid.errors  # a cell holds a number, or an error a formula gave
    window = tolerance.window
    forms: dict[Form, _Form] = {}
    for spots in run.iterations[:iterations]:
        for spot in spots:
            form, key, t = spot.form, spot.key, spot.t  # (what a spot has by its form, read from the form)
            shared = forms.get(form)
            if shared is None:
                shared = forms[form] = _Form(form, layout)
            p = shared.at(t)
            cell = None if p is None else numbers.get(p)
            found = False  # the cell holds the run's number
            if cell is not None:
                held = float(cell.value)
                a, b = window(cell, grid.places[p[0]])  # type: ignore[index]
                found = _within(held, spot.value, a, b)
            if found and not every_local and not shared.twice:
                element = Element(spot, status=FOUND)  # found whatever it reads: no local value needed
                value, others, inputs_tainted = None, [], False
            else:
                value, others, inputs_tainted = _local(shared.formulas, t, local, tainted)
                element = Element(spot, local=value)
            elements.append(element)
            if cell is None:
                cell = None if p is None else errors.get(p)
                if cell is None and p is not None and layout.own:  # where sheetnet put the number, a text is no label
                    cell = grid.typed_text(p)
                if cell is None:
                    local[key] = value  # type: ignore[assignment]
                    if inputs_tainted:
                        tainted.add(key)
                    continue
                # #DIV/0! where a number belongs: wrong, by itself or by what it reads
                element.cell = cell
                local[key] = value  # type: ignore[assignment]
                typed = cell.formula is None  # a text typed in (`abc`) is wrong by itself
                element.status, element.kind = MISMATCH, FOLLOWS if inputs_tainted and not typed else SLIP
                tainted.add(key)
                continue
            element.cell = cell
            local[key] = held
            placed.add(key)
            if shared.negated and unnegated(key) not in placed:  # δ written, ∂L/∂B2 not: what follows reads −δ
                local[unnegated(key)] = -held
            if found:
                element.status = FOUND
            elif _within(held, value, a, b) or any(_within(held, v, a, b) for v in others):  # type: ignore[arg-type]
                element.status, element.kind = (MISMATCH, FOLLOWS) if inputs_tainted else (FOUND, None)
            else:
                element.status, element.kind = MISMATCH, SLIP
            if element.status == FOUND and shared.twice:
                _judge_copies(element, layout, grid, tolerance, [value, *others], inputs_tainted, local, bases)
            if element.status == MISMATCH:
                tainted.add(key)
    return elements


class _Form:
    """What the spots of one form share where a table is judged: the form's compiled expressions,
    where its element's cells are (`Layout.where`), whether the table writes it twice, and whether
    it is a gradient's negative."""

    __slots__ = ("at", "formulas", "negated", "twice")

    def __init__(self, form: Form, layout: Layout) -> None:
        self.formulas, self.negated = form.formulas, form.negated
        self.at = layout.where(form.ident)  # its cell in iteration t
        self.twice = form.ident in layout.twice


def _local(
    formulas: CompiledExprs, u: int, local: dict[Key, float], tainted: set[Key]
) -> tuple[float, list[float], bool]:
    """A spot's local value, those of the other ways it is computed, and whether they read a
    number already wrong (`tainted`): its form's compiled expressions (`Form.formulas`) evaluated
    for iteration u on `local`, every number they read looked up at once. Where `local` lacks one,
    they are evaluated as they read (`_local_as_read`), and those that read it are left out."""
    keys = formulas.keys_at(u)
    try:
        numbers = list(map(local.__getitem__, keys))
    except KeyError:
        return _local_lacking(formulas, keys, u, local, tainted)
    functions = formulas.functions
    value = functions[0](numbers)
    others = [alternative(numbers) for alternative in functions[1:]] if len(functions) > 1 else []
    if not tainted or tainted.isdisjoint(keys):  # they read none of the numbers wrong: no more than `keys`
        return value, others, False
    if formulas.reads_all:  # they read every one of `keys`, one of them wrong
        return value, others, True
    return value, others, _local_as_read(formulas, u, local, tainted)[2]  # an IF: the keys its branch reads


def _local_lacking(
    formulas: CompiledExprs, keys: list[tuple[str, int, int, int]], u: int, local: dict[Key, float], tainted: set[Key]
) -> tuple[float, list[float], bool]:
    """`_local` where `local` lacks a number some of the expressions read (the step of a table that
    writes none, read by W + (−η·∂L/∂W)): those that read every number they name are evaluated on
    them at once, and those that name one it lacks are left out, as reading it fails. Whether they
    read a wrong number: those they name, and, where none is wrong, the ones those left out read
    before they failed (`_local_as_read`). Expressions that read some of their numbers only for
    some numbers (an IF) are evaluated as they read."""
    if not formulas.reads_all:
        return _local_as_read(formulas, u, local, tainted)
    numbers = list(map(local.get, keys))  # None for a number it lacks
    functions, named = formulas.functions, formulas.named
    if any(numbers[j] is None for j in named[0]):
        return _local_as_read(formulas, u, local, tainted)  # the run's own expression fails as it fails there
    value = functions[0](numbers)
    others: list[float] = []
    read = set(named[0])
    failed = []
    for function, names in zip(functions[1:], named[1:], strict=True):
        if any(numbers[j] is None for j in names):
            failed.append(function)
        else:
            others.append(function(numbers))
            read.update(names)
    if not tainted:
        return value, others, False
    if any(keys[j] in tainted for j in read):
        return value, others, True
    reads = _Recorded(local, formulas, u)  # what those left out read before they failed
    for function in failed:
        try:
            function(reads)
        except KeyError:
            pass
    return value, others, any(k in tainted for k in reads.read)


def _local_as_read(
    formulas: CompiledExprs, u: int, local: dict[Key, float], tainted: set[Key]
) -> tuple[float, list[float], bool]:
    """`_local`, each number looked up as the expressions read it (those that read a number `local`
    lacks left out), and noted where some are wrong, to say whether they read one."""
    reads = _Recorded(local, formulas, u) if tainted else Reads(local, formulas, u)
    functions = formulas.functions
    value = functions[0](reads)
    others = []
    if len(functions) > 1:
        for alternative in functions[1:]:
            try:
                others.append(alternative(reads))
            except KeyError:
                pass
    return value, others, bool(tainted) and any(k in tainted for k in reads.read)  # type: ignore[attr-defined]


class _Recorded(Reads):
    """`Reads` that notes each key read (as a tuple equal to the key), in `read`."""

    __slots__ = ("read",)

    def __init__(self, values: Mapping[Key, float], compiled: CompiledExprs, u: int) -> None:
        super().__init__(values, compiled, u)
        self.read: list[tuple[str, int, int, int]] = []

    def __getitem__(self, j: int) -> float:
        key = self.key(j)
        self.read.append(key)
        return self.values[key]  # type: ignore[index]


def _judge_copies(
    element: Element,
    layout: Layout,
    grid: Grid,
    tolerance: Tolerance,
    local_values: list[float],
    inputs_tainted: bool,
    local: dict[Key, float],
    bases: set[Pos],
) -> None:
    """An element the table writes twice (see `fit._written_twice`) is wrong where either cell is:
    a copy that agrees with neither the run nor the workbook's own numbers is the slip, and what
    follows it is computed from it. (A copy that is another element's cell is judged there.)"""
    spot = element.spot
    for copy in layout.twice[spot.ident]:
        p = layout.shift(copy, spot.t)
        cell = grid.cells.get(p)
        if cell is None or copy in bases or not layout.inside(p) or (spot.t and layout.stride is None):
            continue
        places = grid.places[p[0]]
        if tolerance.agrees(cell, spot.value, places):
            continue
        follows = any(tolerance.agrees(cell, v, places) for v in local_values)
        if follows and not inputs_tainted:
            continue
        element.cell, element.status = cell, MISMATCH
        element.kind = FOLLOWS if follows else SLIP
        local[spot.key] = float(cell.value)
        return


# ------------------------------------------------------------------------------------- explain


class Explainer:
    """Says what a slip's formula reads that it should not, in the words a teacher would write."""

    def __init__(self, run: RunSpots, layout: Layout, grid: Grid) -> None:
        self.run, self.layout, self.grid = run, layout, grid
        self._leaves: dict[tuple[Key, int], set[tuple[Ident, int]]] = {}  # by spot and expression
        self._known: dict[int, bool] = {}  # by expression

    # what the explanations look up, worked out when the first slip is explained (most are never)

    @functools.cached_property
    def by_key(self) -> dict[Key, Spot]:
        return {s.key: s for s in self.run.all()}

    @functools.cached_property
    def by_leaf(self) -> dict[tuple[Ident, int], Spot]:
        return self.run.by_element

    @functools.cached_property
    def at(self) -> dict[Pos, list[Spot]]:
        """The spots each cell of the table holds."""
        at: dict[Pos, list[Spot]] = {}
        for spot in self.run.all():
            for p in self.layout.positions(spot.ident, spot.t):
                at.setdefault(p, []).append(spot)
        return at

    @property
    def formulas(self) -> Formulas:
        """The book's parsed formulas, read only when a slip is explained."""
        return formulas_of(self.grid.book)

    def explain(self, element: Element) -> None:
        cell = element.cell
        assert cell is not None
        here = (self.grid.sheets.index(cell.sheet), cell.row, cell.col)
        what = f"`{self.short(here, here)}` = {element.name}{self.label(here, element.spot)}"
        if not cell.is_number and cell.formula is None:
            expected = _number(element.expected)
            element.explanation = f"{what} holds the text {cell.value!r} where the run gives {expected}"
            return
        if not cell.is_number:
            reads = self.formulas.reads(here)
            element.reads = [self.short(p, here) for p in reads]
            element.explanation = f"{what} shows {cell.value} where the run gives {_number(element.expected)}"
            return
        read = self.formulas.reads(here)
        constant = cell.formula is not None and not read
        if cell.formula is None or constant:
            typed = f"{_number(float(cell.value))}" + (f" ({cell.formula})" if constant else "")
            element.explanation = f"{what} is typed as {typed}; the run gives {_number(element.expected)}" + (
                f" and the workbook's own numbers give {_number(element.local)}"
                if element.local is not None and not same(element.local, element.expected)
                else ""
            )
            return
        reads = read
        element.reads = [self.short(p, here) for p in reads]
        # the run's expression, or another way a sheet computes the same number (W + (−η·∂L/∂W)),
        # whichever the formula's reads come closest to
        # (only ways whose every number is one the table is judged on: a table that writes no
        # step is judged without them, and W + (−η·∂L/∂W) would then read W alone)
        ways = [expr for expr in element.spot.expressions if expr is element.spot.expr or self.known(expr)]
        compared = [self.compare(self.leaves(element.spot, expr=expr), reads) for expr in ways]
        extra, missing = min(compared, key=lambda c: len(c[0]) + len(c[1]))
        used = ", ".join(f"`{self.short(p, here)}`{self.named(p)}" for p in extra)
        belongs = ", ".join(self.where(leaf, here) for leaf in missing)
        if extra and missing:
            verb = "belongs" if len(missing) == 1 else "belong"
            text = f"{what} uses {used} where {belongs} {verb}"
        elif extra:
            text = f"{what} also reads {used}, which {element.name} does not depend on"
        elif missing:
            text = f"{what} does not read {belongs}, which it depends on"
        else:
            text = (
                f"{what} reads the right cells but computes {_number(float(cell.value))} from them; "
                f"they give {_number(element.local if element.local is not None else element.expected)}"
            )
        element.explanation = text

    def compare(self, expected: set[tuple[Ident, int]], reads: list[Pos]) -> tuple[list[Pos], list]:
        """The cells a formula reads that hold none of the numbers `expected`, and those of them it
        does not read (η counts as read where the formula reads a cell holding η)."""
        eta = self.run.inputs.get(lr_key())
        covered: set[tuple[Ident, int]] = set()
        extra: list[Pos] = []
        for p in reads:
            held = self.grid.cells.get(p)
            if ("η", -1) in expected and held is not None and eta is not None and same(float(held.value), eta):
                covered.add(("η", -1))
                continue
            held_here = self.at.get(p) or self.at.get(self.formulas.original(p), [])  # a copy (`=H3`) is its cell
            hits = [s for s in ((s.ident, s.t) for s in held_here) if s in expected]
            covered.update(hits)
            if not hits:
                extra.append(p)
        missing = [leaf for leaf in expected if leaf not in covered and leaf[0] != "η"]
        return extra, sorted(missing, key=lambda leaf: (leaf[1], leaf[0]))  # the same order every run

    def known(self, expr: Expr) -> bool:
        """True if every number `expr` reads is η, an input, or a number of the run judged here."""
        if id(expr) not in self._known:
            reader = _Recorder(_Everything(self.run.values))
            expr.value(reader)
            run = self.run
            known = all(k == lr_key() or k in self.by_key or k in run.inputs or k in run.fixed for k in reader.read)
            self._known[id(expr)] = known
        return self._known[id(expr)]

    def leaves(self, spot: Spot, depth: int = 0, expr: Expr | None = None) -> set[tuple[Ident, int]]:
        """The numbers the table holds that `spot` (or `expr`, one way of computing it) depends on,
        through any it does not hold (worked out once per spot and expression)."""
        expr = expr or spot.expr
        memo = (spot.key, id(expr))
        if memo in self._leaves:
            return self._leaves[memo]
        reader = _Recorder(_Everything(self.run.values))
        expr.value(reader)
        out: set[tuple[Ident, int]] = set()
        for key in reader.read:
            if key == lr_key():
                out.add(("η", -1))
                continue
            source = self.by_key.get(key)
            if source is None:
                continue
            if self.layout.positions(source.ident, source.t) or depth > 12:
                out.add((source.ident, source.t))
            else:
                out |= self.leaves(source, depth + 1)
        self._leaves[memo] = out
        return out

    def where(self, leaf: tuple[Ident, int], here: Pos) -> str:
        spot = self.by_leaf.get(leaf)
        if spot is None:
            return str(leaf[0])
        p = self.layout.at(spot.ident, spot.t)
        if p is None:
            return spot.name
        label = self.grid.header(p).strip()
        return f"{spot.name} (`{self.short(p, here)}`" + (f", {label})" if label else ")")

    def named(self, p: Pos) -> str:
        spots = self.at.get(p, [])
        label = self.grid.header(p).strip()
        if spots:
            return f" = {spots[0].name}" + (f" ({label})" if label else "")
        return f" ({label})" if label else ""

    def label(self, p: Pos, spot: Spot) -> str:
        label = self.grid.header(p).strip()
        return f" ({label})" if label and label != spot.name else ""

    def short(self, p: Pos, here: Pos) -> str:
        if p[0] == here[0]:
            return f"{column_letter(p[2])}{p[1]}"
        return cell_address(self.grid.sheets[p[0]], p[1], p[2])


class _Everything(dict):
    """The run's values; a key it lacks reads as 0 (only which keys are read matters here)."""

    def __missing__(self, key: Key) -> float:
        return 0.0


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:.10g}"
